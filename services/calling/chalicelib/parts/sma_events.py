"""Pydantic models of the events a SIP media application sends its Lambda handler.

Tolerant on purpose: unknown fields are kept out of the way, optional ones may be missing,
and both `SipMediaApplicationId` and the older `SipApplicationId` are accepted, because an
event the models reject can only be answered with an empty action list.
"""
from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

LEG_A = "LEG-A"


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True, populate_by_name=True)


class Participant(_Tolerant):
    call_id: str | None = Field(default=None, alias="CallId")
    participant_tag: str | None = Field(default=None, alias="ParticipantTag")
    direction: str | None = Field(default=None, alias="Direction")
    status: str | None = Field(default=None, alias="Status")
    # To/From are phone numbers: deliberately not modelled, so they cannot leak by accident.


class CallDetails(_Tolerant):
    transaction_id: str | None = Field(default=None, alias="TransactionId")
    transaction_attributes: dict[str, str] | None = Field(default=None, alias="TransactionAttributes")
    aws_account_id: str | None = Field(default=None, alias="AwsAccountId")
    aws_region: str | None = Field(default=None, alias="AwsRegion")
    sip_rule_id: str | None = Field(default=None, alias="SipRuleId")
    sip_media_application_id: str | None = Field(
        default=None, validation_alias=AliasChoices("SipMediaApplicationId", "SipApplicationId"))
    participants: list[Participant] = Field(default_factory=list, alias="Participants")

    def participant(self, tag: str) -> Participant | None:
        return next((p for p in self.participants if p.participant_tag == tag), None)

    def leg_a_call_id(self) -> str | None:
        leg = self.participant(LEG_A) or (self.participants[0] if self.participants else None)
        return leg.call_id if leg else None


class ActionData(_Tolerant):
    type: str | None = Field(default=None, alias="Type")
    parameters: dict[str, Any] = Field(default_factory=dict, alias="Parameters")
    received_digits: str | None = Field(default=None, alias="ReceivedDigits")
    error_type: str | None = Field(default=None, alias="ErrorType")


class SmaEvent(_Tolerant):
    schema_version: str | None = Field(default=None, alias="SchemaVersion")
    sequence: int | None = Field(default=None, alias="Sequence")
    invocation_event_type: str = Field(alias="InvocationEventType")
    action_data: ActionData | None = Field(default=None, alias="ActionData")
    call_details: CallDetails = Field(default_factory=CallDetails, alias="CallDetails")

    @property
    def transaction_id(self) -> str | None:
        return self.call_details.transaction_id

    @property
    def action_type(self) -> str | None:
        return self.action_data.type if self.action_data else None

    @property
    def hangup_participant_tag(self) -> str | None:
        """Which leg hung up, from a HANGUP event's ActionData."""
        if self.action_data is None:
            return None
        tag = self.action_data.parameters.get("ParticipantTag")
        return tag if isinstance(tag, str) else None


def deployment_account(settings: Any) -> str | None:
    """The AWS account the deployment runs in, read from its AppInstance ARN (the services
    get no account setting of their own): arn:aws:chime:<region>:<account>:app-instance/..."""
    arn = getattr(settings, "app_instance_arn", None) or ""
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def is_from_this_deployment(event: SmaEvent, settings: Any) -> bool:
    """True only for events of the deployment's own SIP media application in its own account;
    anything else (or a deployment that names neither) is refused."""
    details = event.call_details
    expected_application = getattr(settings, "sip_media_application_id", None)
    expected_account = deployment_account(settings)
    return bool(expected_application and expected_account
                and details.sip_media_application_id == expected_application
                and details.aws_account_id == expected_account)
