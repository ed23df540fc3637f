"""State and rules of the emulated End User Messaging SMS: phone numbers (registered outside the API,
as on AWS), configuration sets, opt-out lists (the account's `Default` always exists), SendTextMessage
into the SMS outbox and texts received from phones (opt-out and opt-in keywords)."""
from __future__ import annotations

import dataclasses
import itertools
import threading
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..core import not_emulated, paginate, utcnow
from ..core.tagging import tag_dict, tag_list
from .exceptions import ConflictException, ResourceNotFoundException, ValidationException

if TYPE_CHECKING:
    from ...outbox import Outbox

DEFAULT_OPT_OUT_LIST = "Default"
# AWS's required opt-out keywords (docs: "Required opt-out keywords"); START and UNSTOP opt back in.
OPT_OUT_KEYWORDS = frozenset({"ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "TD",
                              "UNSUBSCRIBE"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})
# Members of SendTextMessage whose effect the local stack does not reproduce.
_UNEMULATED_SEND_MEMBERS = ("Keyword", "DestinationCountryParameters", "ProtectConfigurationId",
                            "MessageFeedbackEnabled")
_order = itertools.count()


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
    order: int = dataclasses.field(default_factory=lambda: next(_order))
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
    order: int = dataclasses.field(default_factory=lambda: next(_order))
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
    order: int = dataclasses.field(default_factory=lambda: next(_order))
    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    numbers: dict[str, OptedOut] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"OptOutListArn": self.arn, "OptOutListName": self.name, "CreatedTimestamp": self.created}


class SmsVoiceBackend:
    """One account and region's End User Messaging SMS; every public method is one botocore operation.

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
        self.opt_out_lists[DEFAULT_OPT_OUT_LIST] = OptOutList(DEFAULT_OPT_OUT_LIST, self._arn("opt-out-list",
                                                                                              DEFAULT_OPT_OUT_LIST))

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

    # --- phone numbers (registered outside the API: register_phone_number) ------------------

    def register(self, number: str, opt_out_list_name: str = DEFAULT_OPT_OUT_LIST) -> PhoneNumber:
        import phonenumbers

        with self._lock:
            for existing in self.phone_numbers.values():
                if existing.number == number:
                    existing.opt_out_list_name = self._opt_out_list(opt_out_list_name).name
                    return existing
            number_id = "phone-" + uuid.uuid4().hex
            region = phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) or "US"
            registered = PhoneNumber(number_id, self._arn("phone-number", number_id), number, region,
                                     opt_out_list_name=self._opt_out_list(opt_out_list_name).name)
            self.phone_numbers[number_id] = registered
            return registered

    def describe_phone_numbers(self, PhoneNumberIds: list[str] | None = None, Filters: list[dict] | None = None,
                               NextToken: str | None = None, MaxResults: int | None = None,
                               Owner: str | None = None) -> dict[str, Any]:
        if Filters or Owner:
            raise not_emulated("DescribePhoneNumbers Filters and Owner")
        with self._lock:
            numbers = ([self._phone_number(i) for i in PhoneNumberIds] if PhoneNumberIds
                       else sorted(self.phone_numbers.values(), key=lambda n: n.order))
            page, token = paginate(numbers, key=lambda n: n.order, max_results=MaxResults, next_token=NextToken,
                                   scope=f"DescribePhoneNumbers:{PhoneNumberIds}")
            out: dict[str, Any] = {"PhoneNumbers": [n.to_dict() for n in page]}
        if token:
            out["NextToken"] = token
        return out

    def update_phone_number(self, PhoneNumberId: str, OptOutListName: str | None = None,
                            SelfManagedOptOutsEnabled: bool | None = None,
                            DeletionProtectionEnabled: bool | None = None, **unemulated: Any) -> dict[str, Any]:
        if unemulated:
            raise not_emulated(f"UpdatePhoneNumber {', '.join(sorted(unemulated))}")
        with self._lock:
            number = self._phone_number(PhoneNumberId)
            if OptOutListName is not None:
                number.opt_out_list_name = self._opt_out_list(OptOutListName).name
            if SelfManagedOptOutsEnabled is not None:
                number.self_managed_opt_outs = SelfManagedOptOutsEnabled
            if DeletionProtectionEnabled is not None:
                number.deletion_protection = DeletionProtectionEnabled
            return number.to_dict()

    # --- sending --------------------------------------------------------------------------

    def send_text_message(self, DestinationPhoneNumber: str, OriginationIdentity: str | None = None,
                          MessageBody: str | None = None, MessageType: str | None = None,
                          ConfigurationSetName: str | None = None, Context: dict[str, str] | None = None,
                          DryRun: bool | None = None, MaxPrice: str | None = None, TimeToLive: int | None = None,
                          **unemulated: Any) -> dict[str, Any]:
        # MaxPrice and TimeToLive only bound price and delivery delay, neither of which exists locally.
        present = sorted(name for name in _UNEMULATED_SEND_MEMBERS if unemulated.get(name) is not None)
        if present:
            raise not_emulated(f"SendTextMessage {', '.join(present)}")
        if MessageBody is None:
            raise ValidationException("MessageBody is required.", "MISSING_PARAMETER")
        if not valid_phone_number(DestinationPhoneNumber):
            raise ValidationException("DestinationPhoneNumber is not a valid phone number.", "INVALID_PARAMETER")
        with self._lock:
            configuration = self._configuration_set(ConfigurationSetName) if ConfigurationSetName else None
            if OriginationIdentity is not None:
                origin = self._phone_number(OriginationIdentity)
            elif self.phone_numbers:
                origin = min(self.phone_numbers.values(), key=lambda n: n.order)
            else:
                raise ConflictException("The account has no origination identity to send from.",
                                        "NO_ORIGINATION_IDENTITIES_FOUND", "account", self.account_id)
            opted_out = (not origin.self_managed_opt_outs and DestinationPhoneNumber in
                         self.opt_out_lists[origin.opt_out_list_name].numbers)
            message_type = MessageType or (configuration.default_message_type if configuration else None) \
                or origin.message_type
        if opted_out:
            raise ConflictException("The destination phone number is opted out.", "DESTINATION_PHONE_NUMBER_OPTED_OUT",
                                    "opted-out-number", DestinationPhoneNumber)
        message_id = str(uuid.uuid4())
        if not DryRun:
            self._outbox.add_sms(DestinationPhoneNumber, MessageBody, message_type, origin.number, context=Context)
        return {"MessageId": message_id}

    # --- configuration sets -----------------------------------------------------------------

    def create_configuration_set(self, ConfigurationSetName: str, Tags: list[dict[str, str]] | None = None,
                                 ClientToken: str | None = None) -> dict[str, Any]:
        with self._lock:
            if ConfigurationSetName in self.configuration_sets:
                raise ConflictException("The configuration set already exists.", "RESOURCE_ALREADY_EXISTS",
                                        "configuration-set", ConfigurationSetName)
            created = ConfigurationSet(ConfigurationSetName, self._arn("configuration-set", ConfigurationSetName),
                                       tags=tag_dict(Tags))
            self.configuration_sets[created.name] = created
            return {"ConfigurationSetArn": created.arn, "ConfigurationSetName": created.name,
                    "Tags": tag_list(created.tags), "CreatedTimestamp": created.created}

    def describe_configuration_sets(self, ConfigurationSetNames: list[str] | None = None,
                                    Filters: list[dict] | None = None, NextToken: str | None = None,
                                    MaxResults: int | None = None) -> dict[str, Any]:
        if Filters:
            raise not_emulated("DescribeConfigurationSets Filters")
        with self._lock:
            sets = ([self._configuration_set(n) for n in ConfigurationSetNames] if ConfigurationSetNames
                    else sorted(self.configuration_sets.values(), key=lambda c: c.order))
            page, token = paginate(sets, key=lambda c: c.order, max_results=MaxResults, next_token=NextToken,
                                   scope=f"DescribeConfigurationSets:{ConfigurationSetNames}")
            out: dict[str, Any] = {"ConfigurationSets": [c.to_dict() for c in page]}
        if token:
            out["NextToken"] = token
        return out

    def delete_configuration_set(self, ConfigurationSetName: str) -> dict[str, Any]:
        with self._lock:
            found = self._configuration_set(ConfigurationSetName)
            del self.configuration_sets[found.name]
            out = found.to_dict()
            out.pop("ProtectConfigurationId", None)
            return out

    def _set_default(self, name: str, attribute: str, value: str | None, member: str) -> dict[str, Any]:
        with self._lock:
            found = self._configuration_set(name)
            previous = getattr(found, attribute)
            setattr(found, attribute, value)
            shown = value if value is not None else previous
            out: dict[str, Any] = {"ConfigurationSetArn": found.arn, "ConfigurationSetName": found.name}
            if shown is not None:
                out[member] = shown
            return out

    def set_default_message_type(self, ConfigurationSetName: str, MessageType: str) -> dict[str, Any]:
        return self._set_default(ConfigurationSetName, "default_message_type", MessageType, "MessageType")

    def delete_default_message_type(self, ConfigurationSetName: str) -> dict[str, Any]:
        return self._set_default(ConfigurationSetName, "default_message_type", None, "MessageType")

    def set_default_sender_id(self, ConfigurationSetName: str, SenderId: str) -> dict[str, Any]:
        return self._set_default(ConfigurationSetName, "default_sender_id", SenderId, "SenderId")

    def delete_default_sender_id(self, ConfigurationSetName: str) -> dict[str, Any]:
        return self._set_default(ConfigurationSetName, "default_sender_id", None, "SenderId")

    # --- opt-out lists ------------------------------------------------------------------------

    def create_opt_out_list(self, OptOutListName: str, Tags: list[dict[str, str]] | None = None,
                            ClientToken: str | None = None) -> dict[str, Any]:
        with self._lock:
            if OptOutListName in self.opt_out_lists:
                raise ConflictException("The opt-out list already exists.", "RESOURCE_ALREADY_EXISTS",
                                        "opt-out-list", OptOutListName)
            created = OptOutList(OptOutListName, self._arn("opt-out-list", OptOutListName), tags=tag_dict(Tags))
            self.opt_out_lists[created.name] = created
            return {**created.to_dict(), "Tags": tag_list(created.tags)}

    def describe_opt_out_lists(self, OptOutListNames: list[str] | None = None, NextToken: str | None = None,
                               MaxResults: int | None = None, Owner: str | None = None) -> dict[str, Any]:
        if Owner not in (None, "SELF"):
            raise not_emulated("DescribeOptOutLists Owner SHARED")
        with self._lock:
            lists = ([self._opt_out_list(n) for n in OptOutListNames] if OptOutListNames
                     else sorted(self.opt_out_lists.values(), key=lambda o: o.order))
            page, token = paginate(lists, key=lambda o: o.order, max_results=MaxResults, next_token=NextToken,
                                   scope=f"DescribeOptOutLists:{OptOutListNames}")
            out: dict[str, Any] = {"OptOutLists": [o.to_dict() for o in page]}
        if token:
            out["NextToken"] = token
        return out

    def delete_opt_out_list(self, OptOutListName: str) -> dict[str, Any]:
        with self._lock:
            found = self._opt_out_list(OptOutListName)
            users = [n for n in self.phone_numbers.values() if n.opt_out_list_name == found.name]
            if users:
                raise ConflictException("The opt-out list is in use by an origination identity.",
                                        "RESOURCE_ALREADY_ASSOCIATED", "opt-out-list", found.name)
            del self.opt_out_lists[found.name]
            return found.to_dict()

    def put_opted_out_number(self, OptOutListName: str, OptedOutNumber: str) -> dict[str, Any]:
        with self._lock:
            found = self._opt_out_list(OptOutListName)
            entry = found.numbers.get(OptedOutNumber)
            if entry is None:
                entry = found.numbers[OptedOutNumber] = OptedOut(OptedOutNumber, utcnow(), by_end_user=False)
            return {"OptOutListArn": found.arn, "OptOutListName": found.name, **entry.to_dict()}

    def describe_opted_out_numbers(self, OptOutListName: str, OptedOutNumbers: list[str] | None = None,
                                   Filters: list[dict] | None = None, NextToken: str | None = None,
                                   MaxResults: int | None = None) -> dict[str, Any]:
        with self._lock:
            found = self._opt_out_list(OptOutListName)
            entries = sorted(found.numbers.values(), key=lambda e: e.number)
            if OptedOutNumbers:
                entries = [e for e in entries if e.number in set(OptedOutNumbers)]
            for item in Filters or ():
                if item["Name"] != "end-user-opted-out":
                    raise ValidationException("Unknown filter name.", "INVALID_FILTER_VALUES")
                wanted = {value.lower() for value in item["Values"]}
                if not wanted <= {"true", "false"}:
                    raise ValidationException("end-user-opted-out takes true or false.", "INVALID_FILTER_VALUES")
                entries = [e for e in entries if str(e.by_end_user).lower() in wanted]
            page, token = paginate(entries, key=lambda e: e.number, max_results=MaxResults, next_token=NextToken,
                                   scope=f"DescribeOptedOutNumbers:{found.name}:{OptedOutNumbers}:{Filters}")
            out: dict[str, Any] = {"OptOutListArn": found.arn, "OptOutListName": found.name,
                                   "OptedOutNumbers": [e.to_dict() for e in page]}
        if token:
            out["NextToken"] = token
        return out

    def delete_opted_out_number(self, OptOutListName: str, OptedOutNumber: str) -> dict[str, Any]:
        with self._lock:
            found = self._opt_out_list(OptOutListName)
            entry = found.numbers.get(OptedOutNumber)
            if entry is None:
                raise ResourceNotFoundException("opted-out-number", OptedOutNumber)
            if entry.by_end_user:
                # AWS keeps a number the recipient opted out themselves until they opt back in.
                raise ValidationException("The recipient opted out themselves and must opt back in.",
                                          "PHONE_NUMBER_CANNOT_BE_OPTED_IN")
            del found.numbers[OptedOutNumber]
            return {"OptOutListArn": found.arn, "OptOutListName": found.name, **entry.to_dict()}

    # --- texts received from phones (the control API) ---------------------------------------------

    def number_for(self, e164: str) -> PhoneNumber | None:
        """The registered phone number whose E.164 form is `e164`, or None."""
        with self._lock:
            return next((n for n in self.phone_numbers.values() if n.number == e164), None)

    def receive(self, number: PhoneNumber, sender: str, body: str) -> str:
        """Apply the opt-out/opt-in keyword a text from `sender` to `number` starts with; the action taken."""
        words = body.strip().split()
        keyword = words[0].upper() if words else ""
        with self._lock:
            if number.self_managed_opt_outs:
                return "none"
            opt_outs = self.opt_out_lists[number.opt_out_list_name].numbers
            if keyword in OPT_OUT_KEYWORDS:
                opt_outs[sender] = OptedOut(sender, utcnow(), by_end_user=True)
                return "opted_out"
            if keyword in OPT_IN_KEYWORDS and sender in opt_outs:
                del opt_outs[sender]
                return "opted_in"
        return "none"

    # --- tags -------------------------------------------------------------------------------------

    def _tagged(self, arn: str) -> Any:
        with self._lock:
            for table in (self.configuration_sets, self.opt_out_lists, self.phone_numbers):
                for resource in table.values():
                    if resource.arn == arn:
                        return resource
        kind = arn.split(":", 5)[-1].split("/", 1)[0] if arn.count(":") >= 5 else "resource"
        raise ResourceNotFoundException(kind, arn)

    def tag_resource(self, ResourceArn: str, Tags: list[dict[str, str]]) -> None:
        with self._lock:
            self._tagged(ResourceArn).tags.update(tag_dict(Tags))

    def untag_resource(self, ResourceArn: str, TagKeys: list[str]) -> None:
        with self._lock:
            tags = self._tagged(ResourceArn).tags
            for key in TagKeys:
                tags.pop(key, None)

    def list_tags_for_resource(self, ResourceArn: str) -> dict[str, Any]:
        with self._lock:
            return {"ResourceArn": ResourceArn, "Tags": tag_list(self._tagged(ResourceArn).tags)}
