"""Timestamp conversions between the wire forms AWS uses (epoch seconds, ISO-8601, RFC 822) and datetime."""
from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, parsedate_to_datetime

UTC = dt.timezone.utc


def utcnow() -> dt.datetime:
    """Now, at the millisecond precision AWS exposes, so a timestamp a client read back compares equal."""
    now = dt.datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def parse(value: object) -> dt.datetime:
    """A timestamp sent by a client: epoch seconds (number or numeric string), ISO-8601 or RFC 822.

    Raises ValueError for anything else.
    """
    if isinstance(value, bool):
        raise ValueError("not a timestamp")
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("not a timestamp")
    text = value.strip()
    try:
        return dt.datetime.fromtimestamp(float(text), UTC)
    except (ValueError, OverflowError):
        pass
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError) as exc:
            raise ValueError("not a timestamp") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """Naive datetimes are taken as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def epoch_seconds(value: dt.datetime) -> float | int:
    """Epoch seconds as JSON wants them: an int when whole, else rounded to milliseconds."""
    seconds = round(aware(value).timestamp(), 3)
    return int(seconds) if seconds == int(seconds) else seconds


def iso8601(value: dt.datetime) -> str:
    """ISO-8601 in UTC with milliseconds and a Z, the form AWS uses in JSON strings."""
    moment = aware(value).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def rfc822(value: dt.datetime) -> str:
    return format_datetime(aware(value).astimezone(UTC), usegmt=True)
