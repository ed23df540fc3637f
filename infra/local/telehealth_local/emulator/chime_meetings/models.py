"""State and rules of the emulated Chime SDK meetings service (meetings and attendees), plus lookups for the call simulator."""
from __future__ import annotations

import secrets
import threading
from typing import Any

from ..core.tagging import MAX_TAGS, ChimeTagging
from ..core import paginate
from .hooks import MeetingHooks
from .records import (
    DEFAULT_CAPABILITIES,
    DEFAULT_PAGE_SIZE,
    MEDIA_REGIONS,
    Attendee,
    Meeting,
    check_external_id,
)
from .exceptions import (
    BadRequestException,
    LimitExceededException,
    NotFoundException,
    ResourceNotFoundException,
    TooManyTagsException,
)

class ChimeMeetingsBackend(ChimeTagging):
    """One account and region's meetings; every public method is one botocore operation.

    `hooks` names the media plane and hears of roster changes and departures.
    """

    def __init__(self, account_id: str, region_name: str, *, hooks: MeetingHooks):
        self.account_id = account_id
        self.region_name = region_name
        self._hooks = hooks
        self.meetings: dict[str, Meeting] = {}
        self.request_tokens: dict[str, str] = {}
        self._lock = threading.RLock()
        self._tags_lock = self._lock

    # --- helpers -------------------------------------------------------------------------

    def _meeting(self, meeting_id: str) -> Meeting:
        meeting = self.meetings.get(meeting_id.lower())
        if meeting is None:
            raise NotFoundException("The requested meeting does not exist.")
        return meeting

    def _attendee(self, meeting: Meeting, attendee_id: str) -> Attendee:
        attendee = meeting.attendees.get(attendee_id.lower())
        if attendee is None:
            raise NotFoundException("The requested attendee does not exist.")
        return attendee

    def _new_meeting(self, request: dict[str, Any]) -> tuple[Meeting, bool]:
        """(meeting, created): the same ClientRequestToken returns the same live meeting."""
        existing = self.request_tokens.get(request["ClientRequestToken"])
        if existing in self.meetings:
            return self.meetings[existing], False
        if request["MediaRegion"] not in MEDIA_REGIONS:
            raise BadRequestException("MediaRegion is not a supported media Region.")
        check_external_id(request["ExternalMeetingId"], "ExternalMeetingId")
        if request.get("MeetingHostId") is not None:
            check_external_id(request["MeetingHostId"], "MeetingHostId")
        primary = request.get("PrimaryMeetingId")
        if primary is not None and primary.lower() not in self.meetings:
            raise BadRequestException("PrimaryMeetingId does not name an existing meeting.")
        meeting = Meeting(self.account_id, self.region_name, request, self._hooks.media_endpoint.get())
        return meeting, True

    def _store_meeting(self, meeting: Meeting, token: str) -> None:
        self.meetings[meeting.meeting_id] = meeting
        self.request_tokens[token] = meeting.meeting_id

    def _prepare_attendee(self, meeting: Meeting, item: dict[str, Any]) -> tuple[str, dict[str, str]]:
        external_user_id = item["ExternalUserId"]
        check_external_id(external_user_id, "ExternalUserId")
        capabilities = dict(item.get("Capabilities") or DEFAULT_CAPABILITIES)
        meeting.check_capabilities(capabilities)
        return external_user_id, capabilities

    def _add_attendee(self, meeting: Meeting, external_user_id: str, capabilities: dict[str, str]) -> Attendee:
        # ExternalUserId is the attendee's idempotency key: asking again returns the same
        # attendee (same AttendeeId and JoinToken), as the API reference documents.
        existing = meeting.by_external_user.get(external_user_id)
        if existing is not None:
            return meeting.attendees[existing]
        attendee = Attendee(external_user_id, capabilities, next(meeting.attendee_order))
        meeting.attendees[attendee.attendee_id] = attendee
        meeting.by_external_user[external_user_id] = attendee.attendee_id
        return attendee

    def _new_attendee_count(self, meeting: Meeting, external_user_ids: list[str]) -> int:
        return len({e for e in external_user_ids if e not in meeting.by_external_user})

    def _create_many(self, meeting: Meeting, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Valid items become attendees, invalid ones are reported in Errors (per item)."""
        accepted: list[tuple[str, dict[str, str]]] = []
        errors: list[dict[str, Any]] = []
        for item in items:
            try:
                accepted.append(self._prepare_attendee(meeting, item))
            except BadRequestException as exc:
                errors.append({"ExternalUserId": item["ExternalUserId"], "ErrorCode": exc.code, "ErrorMessage": exc.message})
        if len(meeting.attendees) + self._new_attendee_count(meeting, [a[0] for a in accepted]) > meeting.max_attendees:
            raise LimitExceededException("The meeting has reached its maximum number of attendees.")
        attendees = [self._add_attendee(meeting, *a).to_dict() for a in accepted]
        return {"Attendees": attendees, "Errors": errors}

    # --- meetings ------------------------------------------------------------------------

    def create_meeting(self, **request: Any) -> dict[str, Any]:
        with self._lock:
            meeting, created = self._new_meeting(request)
            if created:
                self._store_meeting(meeting, request["ClientRequestToken"])
            return {"Meeting": meeting.to_dict()}

    def create_meeting_with_attendees(self, **request: Any) -> dict[str, Any]:
        with self._lock:
            meeting, created = self._new_meeting(request)
            if created:
                # Attendee problems that fail the whole request must leave no meeting behind.
                if self._new_attendee_count(meeting, [a["ExternalUserId"] for a in request["Attendees"]]) > meeting.max_attendees:
                    raise LimitExceededException("The meeting has reached its maximum number of attendees.")
            result = self._create_many(meeting, request["Attendees"])
            if created:
                self._store_meeting(meeting, request["ClientRequestToken"])
            return {"Meeting": meeting.to_dict(), **result}

    def get_meeting(self, MeetingId: str) -> dict[str, Any]:
        with self._lock:
            return {"Meeting": self._meeting(MeetingId).to_dict()}

    def delete_meeting(self, MeetingId: str) -> None:
        with self._lock:
            meeting = self._meeting(MeetingId)
            del self.meetings[meeting.meeting_id]
            gone = list(meeting.attendees)
        self._hooks.announce_departures(self.account_id, self.region_name, meeting.meeting_id, gone)
        self._hooks.announce_change(meeting.meeting_id)

    # --- attendees -----------------------------------------------------------------------

    def create_attendee(self, MeetingId: str, ExternalUserId: str, Capabilities: dict[str, str] | None = None) -> dict[str, Any]:
        with self._lock:
            meeting = self._meeting(MeetingId)
            external_user_id, capabilities = self._prepare_attendee(
                meeting, {"ExternalUserId": ExternalUserId, "Capabilities": Capabilities})
            if self._new_attendee_count(meeting, [external_user_id]) and len(meeting.attendees) >= meeting.max_attendees:
                raise LimitExceededException("The meeting has reached its maximum number of attendees.")
            result = {"Attendee": self._add_attendee(meeting, external_user_id, capabilities).to_dict()}
        self._hooks.announce_change(meeting.meeting_id)
        return result

    def batch_create_attendee(self, MeetingId: str, Attendees: list[dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            meeting = self._meeting(MeetingId)
            result = self._create_many(meeting, Attendees)
        self._hooks.announce_change(meeting.meeting_id)
        return result

    def get_attendee(self, MeetingId: str, AttendeeId: str) -> dict[str, Any]:
        with self._lock:
            meeting = self._meeting(MeetingId)
            return {"Attendee": self._attendee(meeting, AttendeeId).to_dict()}

    def list_attendees(self, MeetingId: str, NextToken: str | None = None, MaxResults: int | None = None) -> dict[str, Any]:
        with self._lock:
            meeting = self._meeting(MeetingId)
            page, token = paginate(list(meeting.attendees.values()), key=lambda a: a.order, max_results=MaxResults,
                                   next_token=NextToken, scope=f"ListAttendees:{meeting.meeting_id}",
                                   default_max=DEFAULT_PAGE_SIZE)
            out: dict[str, Any] = {"Attendees": [a.to_dict() for a in page]}
            if token:
                out["NextToken"] = token
            return out

    def delete_attendee(self, MeetingId: str, AttendeeId: str) -> None:
        with self._lock:
            meeting = self._meeting(MeetingId)
            attendee = self._attendee(meeting, AttendeeId)
            del meeting.attendees[attendee.attendee_id]
            del meeting.by_external_user[attendee.external_user_id]
        self._hooks.announce_departures(self.account_id, self.region_name, meeting.meeting_id, [attendee.attendee_id])
        self._hooks.announce_change(meeting.meeting_id)

    def update_attendee_capabilities(self, MeetingId: str, AttendeeId: str, Capabilities: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            meeting = self._meeting(MeetingId)
            attendee = self._attendee(meeting, AttendeeId)
            meeting.check_capabilities(Capabilities)
            attendee.capabilities = dict(Capabilities)
            result = {"Attendee": attendee.to_dict()}
        self._hooks.announce_change(meeting.meeting_id)
        return result

    def batch_update_attendee_capabilities_except(self, MeetingId: str, ExcludedAttendeeIds: list[dict[str, str]], Capabilities: dict[str, str]) -> None:
        with self._lock:
            meeting = self._meeting(MeetingId)
            meeting.check_capabilities(Capabilities)
            excluded = {item["AttendeeId"].lower() for item in ExcludedAttendeeIds}
            for attendee_id, attendee in meeting.attendees.items():
                if attendee_id not in excluded:
                    attendee.capabilities = dict(Capabilities)
        self._hooks.announce_change(meeting.meeting_id)

    # --- tags ----------------------------------------------------------------------------

    def _tags_of(self, arn: str) -> dict[str, str]:
        return self._meeting_by_arn(arn).tags

    def _too_many_tags(self, arn: str) -> TooManyTagsException:
        return TooManyTagsException(f"A resource can have at most {MAX_TAGS} tags.", resource_name=arn)

    def _meeting_by_arn(self, arn: str) -> Meeting:
        prefix = f"arn:aws:chime:{self.region_name}:{self.account_id}:meeting/"
        meeting = self.meetings.get(arn[len(prefix):].lower()) if arn.startswith(prefix) else None
        if meeting is None:
            raise ResourceNotFoundException("The resource does not exist.", resource_name=arn)
        return meeting

    # --- plain-Python accessors for the call simulator (not AWS operations) ---------------

    def find_attendee_by_join_token(self, meeting_id: str, join_token: str) -> Attendee | None:
        with self._lock:
            meeting = self.meetings.get(meeting_id.lower())
            if meeting is None:
                return None
            # Compare every token in constant time: the token is a credential.
            found = None
            for attendee in meeting.attendees.values():
                if secrets.compare_digest(attendee.join_token.encode(), join_token.encode()):
                    found = attendee
            return found

    def roster(self, meeting_id: str) -> list[dict[str, Any]] | None:
        """Every attendee of the meeting (AWS shape without the token, plus how it is
        connected), or None when there is no such meeting."""
        with self._lock:
            meeting = self.meetings.get(meeting_id.lower())
            if meeting is None:
                return None
            return [{"AttendeeId": a.attendee_id, "ExternalUserId": a.external_user_id,
                     "Capabilities": dict(a.capabilities), "ConnectedVia": a.connected_via}
                    for a in sorted(meeting.attendees.values(), key=lambda a: a.order)]

    def has_meeting(self, meeting_id: str) -> bool:
        with self._lock:
            return meeting_id.lower() in self.meetings

    def connect_by_join_token(self, meeting_id: str, join_token: str, via: str) -> dict[str, Any] | None:
        with self._lock:
            attendee = self.find_attendee_by_join_token(meeting_id, join_token)
            if attendee is None:
                return None
            attendee.connected_via = via
            result = attendee.to_dict()
        self._hooks.announce_change(meeting_id.lower())  # a phone attendee is now present
        return result

    def set_connection(self, meeting_id: str, attendee_id: str, via: str | None) -> bool:
        """Mark an attendee as connected (`via`, e.g. "phone") or gone (None); False if unknown."""
        with self._lock:
            meeting = self.meetings.get(meeting_id.lower())
            attendee = meeting.attendees.get(attendee_id.lower()) if meeting else None
            if attendee is None:
                return False
            attendee.connected_via = via
        self._hooks.announce_change(meeting_id.lower())
        return True

    def connection(self, meeting_id: str, attendee_id: str) -> str | None:
        with self._lock:
            meeting = self.meetings.get(meeting_id.lower())
            attendee = meeting.attendees.get(attendee_id.lower()) if meeting else None
            return attendee.connected_via if attendee else None
