"""State and rules of the emulated End User Messaging SMS: phone numbers (registered outside the API,
as on AWS), configuration sets, opt-out lists (opt_outs.py), SendTextMessage into the SMS outbox."""
from __future__ import annotations

import uuid
from typing import Any

from ..core import not_emulated
from ..core.tagging import tag_dict, tag_list
from .exceptions import ConflictException, ResourceNotFoundException, ValidationException
from .opt_outs import OptOutOperations
from .state import DEFAULT_OPT_OUT_LIST, ConfigurationSet, PhoneNumber, valid_phone_number

__all__ = ["SmsVoiceBackend"]

# Members of SendTextMessage whose effect the local stack does not reproduce.
_UNEMULATED_SEND_MEMBERS = ("Keyword", "DestinationCountryParameters", "ProtectConfigurationId",
                            "MessageFeedbackEnabled")


class SmsVoiceBackend(OptOutOperations):
    """One account and region's End User Messaging SMS; every public method is one botocore operation."""

    # --- phone numbers (registered outside the API: emulator.sms.register_phone_number) -----------

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
                                     opt_out_list_name=self._opt_out_list(opt_out_list_name).name, order=next(self._order))
            self.phone_numbers[number_id] = registered
            return registered

    def describe_phone_numbers(self, PhoneNumberIds: list[str] | None = None, Filters: list[dict] | None = None,
                               NextToken: str | None = None, MaxResults: int | None = None,
                               Owner: str | None = None) -> dict[str, Any]:
        if Filters or Owner:
            raise not_emulated("DescribePhoneNumbers Filters and Owner")
        with self._lock:
            numbers = self._chosen(self._phone_number, PhoneNumberIds, self.phone_numbers)
            return self._page(numbers, "PhoneNumbers", f"DescribePhoneNumbers:{PhoneNumberIds}", MaxResults, NextToken)

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

    def number_for(self, e164: str) -> PhoneNumber | None:
        """The registered phone number whose E.164 form is `e164`, or None."""
        with self._lock:
            return next((n for n in self.phone_numbers.values() if n.number == e164), None)

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
                                       tags=tag_dict(Tags), order=next(self._order))
            self.configuration_sets[created.name] = created
            return {"ConfigurationSetArn": created.arn, "ConfigurationSetName": created.name,
                    "Tags": tag_list(created.tags), "CreatedTimestamp": created.created}

    def describe_configuration_sets(self, ConfigurationSetNames: list[str] | None = None,
                                    Filters: list[dict] | None = None, NextToken: str | None = None,
                                    MaxResults: int | None = None) -> dict[str, Any]:
        if Filters:
            raise not_emulated("DescribeConfigurationSets Filters")
        with self._lock:
            sets = self._chosen(self._configuration_set, ConfigurationSetNames, self.configuration_sets)
            return self._page(sets, "ConfigurationSets", f"DescribeConfigurationSets:{ConfigurationSetNames}",
                              MaxResults, NextToken)

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
