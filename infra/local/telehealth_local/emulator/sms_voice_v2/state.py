"""The records of the emulated End User Messaging SMS (numbers, configuration sets, opt-out lists) and the lookups every operation uses."""
from __future__ import annotations

import dataclasses
import itertools
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from ..core import paginate, utcnow
from .exceptions import ResourceNotFoundException

if TYPE_CHECKING:
    from ...outbox import Outbox

DEFAULT_OPT_OUT_LIST = "Default"


def valid_phone_number(number: str) -> bool:
    """E.164 and a number that exists in its country's plan (what the service checks before sending)."""
    # Imported here: phonenumbers loads sizeable metadata and only sending needs it.
    import phonenumbers

    if not number.startswith("+"):
        return False
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed) and phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.E164) == number


@dataclasses.dataclass
class PhoneNumber:
    id: str
    arn: str
    number: str
    iso_country_code: str
    opt_out_list_name: str = DEFAULT_OPT_OUT_LIST
    message_type: str = "TRANSACTIONAL"
    number_type: str = "TEN_DLC"
    self_managed_opt_outs: bool = False
    deletion_protection: bool = False
    created: datetime = dataclasses.field(default_factory=utcnow)
    order: int = 0  # creation order in its backend: listings page by it
    tags: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "PhoneNumberArn": self.arn, "PhoneNumberId": self.id, "PhoneNumber": self.number, "Status": "ACTIVE",
            "IsoCountryCode": self.iso_country_code, "MessageType": self.message_type,
            "NumberCapabilities": ["SMS", "VOICE"], "NumberType": self.number_type, "MonthlyLeasingPrice": "0.00",
            "TwoWayEnabled": False, "SelfManagedOptOutsEnabled": self.self_managed_opt_outs,
            "OptOutListName": self.opt_out_list_name, "InternationalSendingEnabled": False,
            "DeletionProtectionEnabled": self.deletion_protection, "CreatedTimestamp": self.created,
        }


@dataclasses.dataclass
class ConfigurationSet:
    name: str
    arn: str
    default_message_type: str | None = None
    default_sender_id: str | None = None
    created: datetime = dataclasses.field(default_factory=utcnow)
    order: int = 0  # creation order in its backend: listings page by it
    tags: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ConfigurationSetArn": self.arn, "ConfigurationSetName": self.name,
                               "EventDestinations": [], "CreatedTimestamp": self.created,
                               "DefaultMessageFeedbackEnabled": False}
        if self.default_message_type:
            out["DefaultMessageType"] = self.default_message_type
        if self.default_sender_id:
            out["DefaultSenderId"] = self.default_sender_id
        return out


@dataclasses.dataclass
class OptedOut:
    number: str
    at: datetime
    by_end_user: bool

    def to_dict(self) -> dict[str, Any]:
        return {"OptedOutNumber": self.number, "OptedOutTimestamp": self.at, "EndUserOptedOut": self.by_end_user}


@dataclasses.dataclass
class OptOutList:
    name: str
    arn: str
    created: datetime = dataclasses.field(default_factory=utcnow)
    order: int = 0  # creation order in its backend: listings page by it
    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    numbers: dict[str, OptedOut] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"OptOutListArn": self.arn, "OptOutListName": self.name, "CreatedTimestamp": self.created}


class SmsState:
    """One account and region's SMS resources and how operations find them (by name, id or ARN).

    Sent texts land in `outbox`.
    """

    def __init__(self, account_id: str, region_name: str, *, outbox: Outbox):
        self.account_id = account_id
        self.region_name = region_name
        self._outbox = outbox
        self.phone_numbers: dict[str, PhoneNumber] = {}
        self.configuration_sets: dict[str, ConfigurationSet] = {}
        self.opt_out_lists: dict[str, OptOutList] = {}
        self._lock = threading.RLock()
        self._order = itertools.count()
        self.opt_out_lists[DEFAULT_OPT_OUT_LIST] = OptOutList(
            DEFAULT_OPT_OUT_LIST, self._arn("opt-out-list", DEFAULT_OPT_OUT_LIST), order=next(self._order))

    def _arn(self, kind: str, name: str) -> str:
        return f"arn:aws:sms-voice:{self.region_name}:{self.account_id}:{kind}/{name}"

    def _by_name_or_arn(self, table: dict[str, Any], kind: str, value: str) -> Any:
        prefix = self._arn(kind, "")
        name = value[len(prefix):] if value.startswith(prefix) else value
        found = table.get(name)
        if found is None:
            raise ResourceNotFoundException(kind, value)
        return found

    def _configuration_set(self, value: str) -> ConfigurationSet:
        return self._by_name_or_arn(self.configuration_sets, "configuration-set", value)

    def _opt_out_list(self, value: str) -> OptOutList:
        return self._by_name_or_arn(self.opt_out_lists, "opt-out-list", value)

    def _phone_number(self, value: str) -> PhoneNumber:
        """A phone number by its E.164 form, id or ARN."""
        for number in self.phone_numbers.values():
            if value in (number.number, number.id, number.arn):
                return number
        raise ResourceNotFoundException("phone-number", value)

    def _chosen(self, lookup: Callable[[str], Any], names: list[str] | None, table: dict[str, Any]) -> list[Any]:
        """The resources `names` name (NotFound for any unknown one), else all of `table`, oldest first."""
        return [lookup(n) for n in names] if names else sorted(table.values(), key=lambda r: r.order)

    def _page(self, items: list[Any], member: str, scope: str, max_results: int | None,
              next_token: str | None) -> dict[str, Any]:
        """One page of `items` (by creation order) as `member`, with the NextToken of the rest."""
        page, token = paginate(items, key=lambda r: r.order, max_results=max_results, next_token=next_token, scope=scope)
        out: dict[str, Any] = {member: [r.to_dict() for r in page]}
        if token:
            out["NextToken"] = token
        return out
