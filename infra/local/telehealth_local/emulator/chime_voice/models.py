"""State and rules of the emulated Chime SDK voice service: SIP media applications, phone numbers, SMA calls."""
from __future__ import annotations

import itertools
import threading
import uuid
from typing import Any

from ..core.tagging import MAX_TAGS, ChimeTagging, tag_dict
from ..core import paginate, utcnow
from .call_state import CallNotFound, CallStateError
from .calls import CallSimulator
from .exceptions import (
    BadRequestException,
    NotFoundException,
    ResourceLimitExceededException,
    ServiceUnavailableException,
)

# The number every local account owns from the start, so an SMA call has a FromPhoneNumber
# without ordering one (555-01xx is reserved for fiction; phonenumbers accepts it as valid).
LOCAL_PHONE_NUMBER = "+12025550100"

# Regions where the PSTN audio service runs SIP media applications.
SMA_REGIONS = frozenset({
    "us-east-1", "us-west-2", "ca-central-1", "eu-central-1", "eu-west-2", "ap-northeast-1",
    "ap-southeast-1", "ap-southeast-2",
})
DEFAULT_PAGE_SIZE = 100


class SipMediaApplication:
    def __init__(self, account_id: str, region: str, name: str, aws_region: str,
                 endpoints: list[dict[str, str]], tags: list[dict[str, str]] | None, order: int):
        self.order = order  # creation order in its backend: listings page by it
        self.id = str(uuid.uuid4())
        self.arn = f"arn:aws:chime:{region}:{account_id}:sma/{self.id}"
        self.name = name
        self.aws_region = aws_region
        self.endpoints = [dict(e) for e in endpoints]
        self.tags = tag_dict(tags)
        self.created = utcnow()
        self.updated = self.created

    @property
    def lambda_arn(self) -> str:
        return self.endpoints[0]["LambdaArn"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "SipMediaApplicationId": self.id,
            "AwsRegion": self.aws_region,
            "Name": self.name,
            "Endpoints": [dict(e) for e in self.endpoints],
            "CreatedTimestamp": self.created,
            "UpdatedTimestamp": self.updated,
            "SipMediaApplicationArn": self.arn,
        }


class PhoneNumber:
    def __init__(self, account_id: str, region: str, e164: str, order: int):
        self.order = order
        self.e164 = e164
        # Chime SDK phone number ids are the E.164 number itself.
        self.arn = f"arn:aws:chime:{region}:{account_id}:phone-number/{e164}"
        self.created = utcnow()

    def to_dict(self) -> dict[str, Any]:
        return {
            "PhoneNumberId": self.e164,
            "E164PhoneNumber": self.e164,
            "PhoneNumberArn": self.arn,
            "Country": "US",
            "Type": "Local",
            "ProductType": "SipMediaApplicationDialIn",
            "Status": "Assigned",
            "Capabilities": {"InboundCall": True, "OutboundCall": True, "InboundSMS": True,
                             "OutboundSMS": True, "InboundMMS": False, "OutboundMMS": False},
            "Associations": [],
            "CreatedTimestamp": self.created,
            "UpdatedTimestamp": self.created,
        }


def _check_endpoints(endpoints: list[dict[str, str]], account_id: str, aws_region: str) -> None:
    for endpoint in endpoints:
        arn = endpoint.get("LambdaArn")
        if not arn:
            raise BadRequestException("Each endpoint needs a LambdaArn.")
        parts = arn.split(":")
        if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function":
            raise BadRequestException("LambdaArn is not a Lambda function ARN.")
        # The model's pattern already checked the form; AWS also wants the function in the
        # application's own Region and account.
        if parts[3] != aws_region or parts[4] != account_id:
            raise BadRequestException("The Lambda function must be in the same account and Region as the SIP media application.")


class ChimeVoiceBackend(ChimeTagging):
    """One account and region's voice resources; every public method is one botocore operation.

    `calls` is the emulator's call simulator, which CreateSipMediaApplicationCall starts calls on.
    """

    def __init__(self, account_id: str, region_name: str, *, calls: CallSimulator):
        self.account_id = account_id
        self.region_name = region_name
        self._calls = calls
        self.applications: dict[str, SipMediaApplication] = {}
        self.phone_numbers: dict[str, PhoneNumber] = {}
        self._lock = threading.RLock()
        self._tags_lock = self._lock
        self._order = itertools.count()
        self.register_phone_number(LOCAL_PHONE_NUMBER)

    def _application(self, application_id: str) -> SipMediaApplication:
        application = self.applications.get(application_id.lower())
        if application is None:
            raise NotFoundException("The SIP media application does not exist.")
        return application

    # --- SIP media applications ----------------------------------------------------------

    def create_sip_media_application(self, AwsRegion: str, Name: str, Endpoints: list[dict[str, str]],
                                     Tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
        if AwsRegion not in SMA_REGIONS:
            raise BadRequestException("AwsRegion is not a Region where SIP media applications are available.")
        _check_endpoints(Endpoints, self.account_id, AwsRegion)
        with self._lock:
            application = SipMediaApplication(self.account_id, self.region_name, Name, AwsRegion, Endpoints, Tags,
                                              next(self._order))
            self.applications[application.id] = application
            return {"SipMediaApplication": application.to_dict()}

    def get_sip_media_application(self, SipMediaApplicationId: str) -> dict[str, Any]:
        with self._lock:
            return {"SipMediaApplication": self._application(SipMediaApplicationId).to_dict()}

    def list_sip_media_applications(self, MaxResults: int | None = None, NextToken: str | None = None) -> dict[str, Any]:
        with self._lock:
            applications = list(self.applications.values())
        page, token = paginate(applications, key=lambda a: a.order, max_results=MaxResults, next_token=NextToken,
                               scope="ListSipMediaApplications", default_max=DEFAULT_PAGE_SIZE)
        out: dict[str, Any] = {"SipMediaApplications": [a.to_dict() for a in page]}
        if token:
            out["NextToken"] = token
        return out

    def update_sip_media_application(self, SipMediaApplicationId: str, Name: str | None = None,
                                     Endpoints: list[dict[str, str]] | None = None) -> dict[str, Any]:
        with self._lock:
            application = self._application(SipMediaApplicationId)
            if Endpoints is not None:
                _check_endpoints(Endpoints, self.account_id, application.aws_region)
                application.endpoints = [dict(e) for e in Endpoints]
            if Name is not None:
                application.name = Name
            application.updated = utcnow()
            return {"SipMediaApplication": application.to_dict()}

    def delete_sip_media_application(self, SipMediaApplicationId: str) -> None:
        with self._lock:
            application = self._application(SipMediaApplicationId)
            del self.applications[application.id]

    # --- calls ---------------------------------------------------------------------------

    def create_sip_media_application_call(self, FromPhoneNumber: str, ToPhoneNumber: str, SipMediaApplicationId: str,
                                          SipHeaders: dict[str, str] | None = None,
                                          ArgumentsMap: dict[str, str] | None = None) -> dict[str, Any]:
        with self._lock:
            # CreateSipMediaApplicationCall has no NotFound in its model: AWS answers an
            # unknown application with BadRequest.
            application = self.applications.get(SipMediaApplicationId.lower())
            if application is None:
                raise BadRequestException("The SIP media application does not exist.")
            if FromPhoneNumber not in self.phone_numbers:
                raise BadRequestException("FromPhoneNumber is not a phone number of this account.")
            lambda_arn = application.lambda_arn
            application_id = application.id
        if not self._calls.configured:
            raise ServiceUnavailableException("The local stack has no Lambda invoker configured for SIP media application calls.")
        transaction_id = self._calls.start_call(
            account_id=self.account_id, region=self.region_name, sip_media_application_id=application_id,
            lambda_arn=lambda_arn, from_number=FromPhoneNumber, to_number=ToPhoneNumber,
            arguments=dict(ArgumentsMap or {}), sip_headers=dict(SipHeaders or {}))
        return {"SipMediaApplicationCall": {"TransactionId": transaction_id}}

    def update_sip_media_application_call(self, SipMediaApplicationId: str, TransactionId: str,
                                          Arguments: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            application = self._application(SipMediaApplicationId)
        try:
            self._calls.request_update(self.account_id, self.region_name, application.id, TransactionId, Arguments)
        except (CallNotFound, CallStateError):
            raise NotFoundException("The call does not exist or has ended.") from None
        return {"SipMediaApplicationCall": {"TransactionId": TransactionId}}

    # --- tags (the Terraform provider reads them for every SIP media application) ---------

    def _tags_of(self, arn: str) -> dict[str, str]:
        return self._application_by_arn(arn).tags

    def _too_many_tags(self, arn: str) -> ResourceLimitExceededException:
        return ResourceLimitExceededException(f"A resource can have at most {MAX_TAGS} tags.")

    def _application_by_arn(self, arn: str) -> SipMediaApplication:
        prefix = f"arn:aws:chime:{self.region_name}:{self.account_id}:sma/"
        application = self.applications.get(arn[len(prefix):].lower()) if arn.startswith(prefix) else None
        if application is None:
            raise NotFoundException("The resource does not exist.")
        return application

    # --- phone numbers -------------------------------------------------------------------

    def register_phone_number(self, e164: str) -> None:
        """Give this account a phone number (plain Python: the local stack has no number ordering)."""
        with self._lock:
            if e164 not in self.phone_numbers:
                self.phone_numbers[e164] = PhoneNumber(self.account_id, self.region_name, e164, next(self._order))

    def list_phone_numbers(self, Status: str | None = None, ProductType: str | None = None,
                           FilterName: str | None = None, FilterValue: str | None = None,
                           MaxResults: int | None = None, NextToken: str | None = None) -> dict[str, Any]:
        with self._lock:
            numbers = [n for n in self.phone_numbers.values()
                       if Status in (None, "Assigned") and ProductType in (None, "SipMediaApplicationDialIn")
                       and FilterName is None]
        page, token = paginate(numbers, key=lambda n: n.order, max_results=MaxResults, next_token=NextToken,
                               scope=f"ListPhoneNumbers:{Status}:{ProductType}:{FilterName}:{FilterValue}",
                               default_max=DEFAULT_PAGE_SIZE)
        out: dict[str, Any] = {"PhoneNumbers": [n.to_dict() for n in page]}
        if token:
            out["NextToken"] = token
        return out

    def get_phone_number(self, PhoneNumberId: str) -> dict[str, Any]:
        with self._lock:
            number = self.phone_numbers.get(PhoneNumberId)
            if number is None:
                raise NotFoundException("The phone number does not exist.")
            return {"PhoneNumber": number.to_dict()}
