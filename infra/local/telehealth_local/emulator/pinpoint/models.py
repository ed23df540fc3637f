"""State and rules of the emulated Pinpoint service: apps, the SMS channel, SendMessages into the SMS outbox."""
from __future__ import annotations

import dataclasses
import itertools
import threading
import uuid
from typing import Any

from ...outbox import outbox
from ..core import BackendRegistry, iso8601, paginate, utcnow
from .exceptions import ERRORS_BY_NAME, BadRequestException, NotFoundException

DEFAULT_PAGE_SIZE = 100
MAX_ADDRESSES = 100
# The status code each delivery status carries when a fault is injected without one.
FAILURE_STATUS_CODES = {
    "THROTTLED": 429, "TEMPORARY_FAILURE": 500, "PERMANENT_FAILURE": 400, "UNKNOWN_FAILURE": 500,
    "OPT_OUT": 400, "DUPLICATE": 400,
}


def _now_iso() -> str:
    return iso8601(utcnow())


def valid_phone_number(address: str) -> bool:
    """E.164 and a number that exists in its country's plan (what Pinpoint checks before sending)."""
    # Imported here: phonenumbers loads sizeable metadata and only SendMessages needs it.
    import phonenumbers

    if not address.startswith("+"):
        return False
    try:
        parsed = phonenumbers.parse(address, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed) and phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.E164) == address


@dataclasses.dataclass
class SendFault:
    """One injected SendMessages failure: an API error, or a failed delivery for every address."""

    error: str | None = None
    delivery_status: str = "TEMPORARY_FAILURE"
    status_code: int | None = None
    message: str | None = None


class SendFaults:
    """Test-only switch: the next N SendMessages calls (any account) fail as configured."""

    def __init__(self) -> None:
        self._queue: list[SendFault] = []
        self._lock = threading.Lock()

    def add(self, count: int, fault: SendFault) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        if fault.error is not None and fault.error not in ERRORS_BY_NAME:
            raise ValueError(f"error must be one of {sorted(ERRORS_BY_NAME)}")
        if fault.error is None and fault.delivery_status not in FAILURE_STATUS_CODES:
            raise ValueError(f"delivery_status must be one of {sorted(FAILURE_STATUS_CODES)}")
        with self._lock:
            self._queue.extend(dataclasses.replace(fault) for _ in range(count))

    def take(self) -> SendFault | None:
        with self._lock:
            return self._queue.pop(0) if self._queue else None

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()


faults = SendFaults()


def fail_next_send_messages(count: int = 1, *, delivery_status: str = "TEMPORARY_FAILURE",
                            status_code: int | None = None, error: str | None = None,
                            message: str | None = None) -> None:
    """Make the next `count` SendMessages calls fail.

    With `error` (a Pinpoint exception name such as "TooManyRequestsException") the call
    itself fails with that error; otherwise it succeeds but every address gets
    `delivery_status` (THROTTLED, TEMPORARY_FAILURE, …) and nothing reaches the outbox.
    """
    faults.add(count, SendFault(error=error, delivery_status=delivery_status, status_code=status_code, message=message))


def clear_send_faults() -> None:
    faults.clear()


class SmsChannel:
    def __init__(self) -> None:
        self.enabled = True
        self.sender_id: str | None = None
        self.short_code: str | None = None
        self.creation_date = _now_iso()
        self.last_modified_date = self.creation_date
        self.version = 0

    def update(self, request: dict[str, Any]) -> None:
        if request.get("Enabled") is not None:
            self.enabled = request["Enabled"]
        if request.get("SenderId") is not None:
            self.sender_id = request["SenderId"]
        if request.get("ShortCode") is not None:
            self.short_code = request["ShortCode"]
        self.last_modified_date = _now_iso()
        self.version += 1

    def to_dict(self, application_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ApplicationId": application_id,
            "CreationDate": self.creation_date,
            "Enabled": self.enabled,
            "HasCredential": False,
            "Id": "sms",
            "IsArchived": False,
            "LastModifiedDate": self.last_modified_date,
            "Platform": "SMS",
            "PromotionalMessagesPerSecond": 20,
            "TransactionalMessagesPerSecond": 20,
            "Version": self.version,
        }
        if self.sender_id is not None:
            out["SenderId"] = self.sender_id
        if self.short_code is not None:
            out["ShortCode"] = self.short_code
        return out


class App:
    _order = itertools.count()

    def __init__(self, account_id: str, region: str, name: str, tags: dict[str, str] | None):
        # Creation order: GetApps pages by it, so its token is a stable cursor.
        self.order = next(App._order)
        self.id = uuid.uuid4().hex
        self.arn = f"arn:aws:mobiletargeting:{region}:{account_id}:apps/{self.id}"
        self.name = name
        self.tags = dict(tags or {})
        # A string: Pinpoint's model types CreationDate as a string and the Terraform provider
        # fails on the number moto returns.
        self.creation_date = _now_iso()
        self.sms_channel: SmsChannel | None = None
        # Empty objects, not absent ones: the Terraform provider dereferences all three.
        self.settings: dict[str, Any] = {"CampaignHook": {}, "Limits": {}, "QuietTime": {}}
        self.settings_modified = self.creation_date

    def settings_dict(self) -> dict[str, Any]:
        return {"ApplicationId": self.id, "LastModifiedDate": self.settings_modified,
                **{name: dict(value) for name, value in self.settings.items()}}

    def to_dict(self) -> dict[str, Any]:
        return {"Arn": self.arn, "Id": self.id, "Name": self.name, "tags": dict(self.tags),
                "CreationDate": self.creation_date}


class PinpointBackend:
    """One account and region's Pinpoint; every public method is one botocore operation."""

    def __init__(self, account_id: str, region_name: str):
        self.account_id = account_id
        self.region_name = region_name
        self.apps: dict[str, App] = {}
        self._lock = threading.RLock()

    def _app(self, application_id: str) -> App:
        app = self.apps.get(application_id)
        if app is None:
            raise NotFoundException("Resource not found")
        return app

    def _app_by_arn(self, arn: str) -> App:
        prefix = f"arn:aws:mobiletargeting:{self.region_name}:{self.account_id}:apps/"
        app = self.apps.get(arn[len(prefix):]) if arn.startswith(prefix) else None
        if app is None:
            raise NotFoundException("Resource not found")
        return app

    # --- apps ----------------------------------------------------------------------------

    def create_app(self, CreateApplicationRequest: dict[str, Any]) -> dict[str, Any]:
        name = CreateApplicationRequest["Name"]
        if not name.strip():
            raise BadRequestException("Name must not be empty.")
        with self._lock:
            app = App(self.account_id, self.region_name, name, CreateApplicationRequest.get("tags"))
            self.apps[app.id] = app
            return {"ApplicationResponse": app.to_dict()}

    def get_app(self, ApplicationId: str) -> dict[str, Any]:
        with self._lock:
            return {"ApplicationResponse": self._app(ApplicationId).to_dict()}

    def get_apps(self, PageSize: str | None = None, Token: str | None = None) -> dict[str, Any]:
        try:
            size = int(PageSize) if PageSize is not None else DEFAULT_PAGE_SIZE
        except ValueError:
            raise BadRequestException("PageSize must be a number.") from None
        if size < 1:
            raise BadRequestException("PageSize must be at least 1.")
        with self._lock:
            apps = list(self.apps.values())
        page, token = paginate(apps, key=lambda a: a.order, max_results=size, next_token=Token, scope="GetApps")
        out: dict[str, Any] = {"Item": [a.to_dict() for a in page]}
        if token:
            out["NextToken"] = token
        return {"ApplicationsResponse": out}

    def delete_app(self, ApplicationId: str) -> dict[str, Any]:
        with self._lock:
            app = self._app(ApplicationId)
            del self.apps[app.id]
            return {"ApplicationResponse": app.to_dict()}

    # --- application settings (what the Terraform provider reads and writes for an app) ----

    def get_application_settings(self, ApplicationId: str) -> dict[str, Any]:
        with self._lock:
            return {"ApplicationSettingsResource": self._app(ApplicationId).settings_dict()}

    def update_application_settings(self, ApplicationId: str,
                                    WriteApplicationSettingsRequest: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            app = self._app(ApplicationId)
            for name in ("CampaignHook", "Limits", "QuietTime", "JourneyLimits"):
                if WriteApplicationSettingsRequest.get(name) is not None:
                    app.settings[name] = dict(WriteApplicationSettingsRequest[name])
            app.settings_modified = _now_iso()
            return {"ApplicationSettingsResource": app.settings_dict()}

    # --- SMS channel ---------------------------------------------------------------------

    def update_sms_channel(self, ApplicationId: str, SMSChannelRequest: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            app = self._app(ApplicationId)
            if app.sms_channel is None:
                app.sms_channel = SmsChannel()
            app.sms_channel.update(SMSChannelRequest)
            return {"SMSChannelResponse": app.sms_channel.to_dict(app.id)}

    def get_sms_channel(self, ApplicationId: str) -> dict[str, Any]:
        with self._lock:
            app = self._app(ApplicationId)
            if app.sms_channel is None:
                raise NotFoundException("Resource not found")
            return {"SMSChannelResponse": app.sms_channel.to_dict(app.id)}

    def delete_sms_channel(self, ApplicationId: str) -> dict[str, Any]:
        with self._lock:
            app = self._app(ApplicationId)
            if app.sms_channel is None:
                raise NotFoundException("Resource not found")
            channel, app.sms_channel = app.sms_channel, None
            return {"SMSChannelResponse": channel.to_dict(app.id)}

    # --- messages ------------------------------------------------------------------------

    def send_messages(self, ApplicationId: str, MessageRequest: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            app = self._app(ApplicationId)
            channel_enabled = app.sms_channel is not None and app.sms_channel.enabled
        if MessageRequest.get("Endpoints"):
            raise BadRequestException("Sending to endpoint IDs is not emulated by the local stack; use Addresses.")
        addresses: dict[str, dict[str, Any]] = MessageRequest.get("Addresses") or {}
        if len(addresses) > MAX_ADDRESSES:
            raise BadRequestException(f"A request can have at most {MAX_ADDRESSES} addresses.")
        configuration = MessageRequest["MessageConfiguration"]
        sms = configuration.get("SMSMessage") or {}
        default_body = sms.get("Body") or (configuration.get("DefaultMessage") or {}).get("Body")
        # Check the whole request before sending anything, so a bad request sends nothing.
        for settings in addresses.values():
            if settings.get("ChannelType") is None:
                raise BadRequestException("Every address needs a ChannelType.")
            if settings["ChannelType"] == "SMS":
                if not channel_enabled:
                    raise BadRequestException("The SMS channel of this application is not enabled.")
                if not (settings.get("BodyOverride") or default_body):
                    raise BadRequestException("The SMS message has no Body.")
        fault = faults.take()
        if fault is not None and fault.error is not None:
            raise ERRORS_BY_NAME[fault.error](fault.message or "Injected failure (local stack fault switch).")
        request_id = str(uuid.uuid4())
        results = {address: self._deliver(address, settings, sms, default_body, fault)
                   for address, settings in addresses.items()}
        return {"MessageResponse": {"ApplicationId": app.id, "RequestId": request_id, "Result": results}}

    def _deliver(self, address: str, settings: dict[str, Any], sms: dict[str, Any], default_body: str | None,
                 fault: SendFault | None) -> dict[str, Any]:
        if settings["ChannelType"] != "SMS":
            return {"DeliveryStatus": "PERMANENT_FAILURE", "StatusCode": 400,
                    "StatusMessage": f"The {settings['ChannelType']} channel is not emulated by the local stack."}
        if not valid_phone_number(address):
            return {"DeliveryStatus": "PERMANENT_FAILURE", "StatusCode": 400, "StatusMessage": "Invalid phone number"}
        if fault is not None:
            return {"DeliveryStatus": fault.delivery_status,
                    "StatusCode": fault.status_code or FAILURE_STATUS_CODES[fault.delivery_status],
                    "StatusMessage": fault.message or "Injected failure (local stack fault switch)."}
        message_id = uuid.uuid4().hex + uuid.uuid4().hex[:8]
        # Pinpoint's own default message type is not documented for this API; PROMOTIONAL is
        # the SMS default elsewhere in AWS (SNS), so it is used when the caller sets none.
        outbox.add_sms(address, settings.get("BodyOverride") or default_body or "",
                       sms.get("MessageType") or "PROMOTIONAL", sms.get("OriginationNumber"))
        return {"DeliveryStatus": "SUCCESSFUL", "MessageId": message_id, "StatusCode": 200,
                "StatusMessage": f"MessageId: {message_id}"}

    # --- tags ----------------------------------------------------------------------------

    def tag_resource(self, ResourceArn: str, TagsModel: dict[str, Any]) -> None:
        with self._lock:
            app = self._app_by_arn(ResourceArn)
            app.tags.update(TagsModel["tags"])

    def untag_resource(self, ResourceArn: str, TagKeys: list[str]) -> None:
        with self._lock:
            app = self._app_by_arn(ResourceArn)
            for key in TagKeys:
                app.tags.pop(key, None)

    def list_tags_for_resource(self, ResourceArn: str) -> dict[str, Any]:
        with self._lock:
            return {"TagsModel": {"tags": dict(self._app_by_arn(ResourceArn).tags)}}


backends: BackendRegistry[PinpointBackend] = BackendRegistry(PinpointBackend)
