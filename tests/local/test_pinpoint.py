"""Emulated Pinpoint: apps, the SMS channel, SendMessages into the SMS outbox, the fault switch; direct and via boto3."""
from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from telehealth_local.emulator import pinpoint
from telehealth_local.emulator.pinpoint.exceptions import (
    BadRequestException,
    NotFoundException,
    TooManyRequestsException,
)
from telehealth_local.emulator.pinpoint.models import PinpointBackend
from telehealth_local.outbox import outbox

ACCOUNT, REGION = "123456789012", "us-east-1"
PATIENT, DOCTOR = "+14155550123", "+12065550142"


@pytest.fixture(autouse=True)
def clean_outbox_and_faults():
    outbox.clear()
    pinpoint.clear_send_faults()
    yield
    outbox.clear()
    pinpoint.clear_send_faults()


@pytest.fixture
def backend() -> PinpointBackend:
    return PinpointBackend(ACCOUNT, REGION)


def sms_app(backend: PinpointBackend, enabled: bool = True) -> str:
    app_id = backend.create_app(CreateApplicationRequest={"Name": "telehealth-local"})["ApplicationResponse"]["Id"]
    backend.update_sms_channel(ApplicationId=app_id, SMSChannelRequest={"Enabled": enabled})
    return app_id


def sms_request(addresses: dict, body: str = "Check in for your appointment with Dr Ada.", **sms) -> dict:
    return {"Addresses": addresses,
            "MessageConfiguration": {"SMSMessage": {"Body": body, "MessageType": "TRANSACTIONAL", **sms}}}


# --- backend, called directly ------------------------------------------------------------

class TestApps:
    def test_create_get_list_delete(self, backend):
        created = backend.create_app(CreateApplicationRequest={"Name": "telehealth-local", "tags": {"stage": "local"}})
        app = created["ApplicationResponse"]
        assert app["Arn"] == f"arn:aws:mobiletargeting:{REGION}:{ACCOUNT}:apps/{app['Id']}"
        assert app["tags"] == {"stage": "local"}
        # A string (the Terraform provider fails on moto's number).
        assert isinstance(app["CreationDate"], str) and app["CreationDate"].endswith("Z")
        assert backend.get_app(ApplicationId=app["Id"]) == created
        assert backend.delete_app(ApplicationId=app["Id"]) == created
        with pytest.raises(NotFoundException):
            backend.get_app(ApplicationId=app["Id"])
        with pytest.raises(NotFoundException):
            backend.delete_app(ApplicationId=app["Id"])

    def test_get_apps_pages(self, backend):
        ids = [backend.create_app(CreateApplicationRequest={"Name": f"app-{i}"})["ApplicationResponse"]["Id"]
               for i in range(5)]
        seen, token = [], None
        while True:
            page = backend.get_apps(PageSize="2", **({"Token": token} if token else {}))["ApplicationsResponse"]
            seen += [a["Id"] for a in page["Item"]]
            token = page.get("NextToken")
            if not token:
                break
        assert seen == ids
        with pytest.raises(BadRequestException):
            backend.get_apps(PageSize="many")

    def test_application_settings(self, backend):
        app_id = backend.create_app(CreateApplicationRequest={"Name": "telehealth-local"})["ApplicationResponse"]["Id"]
        settings = backend.get_application_settings(ApplicationId=app_id)["ApplicationSettingsResource"]
        # Present even when never set: the Terraform provider reads all three.
        assert (settings["ApplicationId"], settings["CampaignHook"], settings["Limits"], settings["QuietTime"]) == (
            app_id, {}, {}, {})
        updated = backend.update_application_settings(ApplicationId=app_id, WriteApplicationSettingsRequest={
            "Limits": {"Daily": 10}, "QuietTime": {"Start": "22:00", "End": "07:00"}})["ApplicationSettingsResource"]
        assert updated["Limits"] == {"Daily": 10} and updated["QuietTime"]["Start"] == "22:00"
        assert backend.get_application_settings(ApplicationId=app_id)["ApplicationSettingsResource"] == updated
        with pytest.raises(NotFoundException):
            backend.get_application_settings(ApplicationId="0" * 32)

    def test_blank_name_is_bad_request(self, backend):
        with pytest.raises(BadRequestException):
            backend.create_app(CreateApplicationRequest={"Name": "  "})
        assert backend.apps == {}

    def test_tags(self, backend):
        app = backend.create_app(CreateApplicationRequest={"Name": "telehealth-local"})["ApplicationResponse"]
        backend.tag_resource(ResourceArn=app["Arn"], TagsModel={"tags": {"team": "care"}})
        assert backend.list_tags_for_resource(ResourceArn=app["Arn"]) == {"TagsModel": {"tags": {"team": "care"}}}
        backend.untag_resource(ResourceArn=app["Arn"], TagKeys=["team"])
        assert backend.list_tags_for_resource(ResourceArn=app["Arn"]) == {"TagsModel": {"tags": {}}}
        with pytest.raises(NotFoundException):
            backend.list_tags_for_resource(ResourceArn=app["Arn"] + "0")


class TestSmsChannel:
    def test_update_get_delete(self, backend):
        app_id = backend.create_app(CreateApplicationRequest={"Name": "telehealth-local"})["ApplicationResponse"]["Id"]
        with pytest.raises(NotFoundException):
            backend.get_sms_channel(ApplicationId=app_id)
        channel = backend.update_sms_channel(ApplicationId=app_id, SMSChannelRequest={"Enabled": True})["SMSChannelResponse"]
        assert channel["Platform"] == "SMS" and channel["Enabled"] is True and channel["ApplicationId"] == app_id
        disabled = backend.update_sms_channel(ApplicationId=app_id, SMSChannelRequest={"Enabled": False})
        assert disabled["SMSChannelResponse"]["Enabled"] is False
        assert disabled["SMSChannelResponse"]["Version"] == channel["Version"] + 1
        assert backend.get_sms_channel(ApplicationId=app_id) == disabled
        assert backend.delete_sms_channel(ApplicationId=app_id) == disabled
        with pytest.raises(NotFoundException):
            backend.delete_sms_channel(ApplicationId=app_id)

    def test_unknown_app(self, backend):
        with pytest.raises(NotFoundException):
            backend.update_sms_channel(ApplicationId="0" * 32, SMSChannelRequest={"Enabled": True})


class TestSendMessages:
    def test_each_sms_reaches_the_outbox(self, backend):
        app_id = sms_app(backend)
        response = backend.send_messages(ApplicationId=app_id, MessageRequest=sms_request(
            {PATIENT: {"ChannelType": "SMS"}, DOCTOR: {"ChannelType": "SMS", "BodyOverride": "Check in with Bob."}},
            OriginationNumber="+12065550100"))["MessageResponse"]
        assert response["ApplicationId"] == app_id and response["RequestId"]
        for address in (PATIENT, DOCTOR):
            result = response["Result"][address]
            assert result["DeliveryStatus"] == "SUCCESSFUL" and result["StatusCode"] == 200
            assert result["MessageId"] and result["MessageId"] in result["StatusMessage"]
        sent = {m["to"]: m for m in outbox.sms()}
        assert sent[PATIENT]["body"] == "Check in for your appointment with Dr Ada."
        assert sent[DOCTOR]["body"] == "Check in with Bob."
        assert all(m["message_type"] == "TRANSACTIONAL" and m["origination_number"] == "+12065550100"
                   for m in sent.values())

    def test_default_message_body_and_type(self, backend):
        app_id = sms_app(backend)
        backend.send_messages(ApplicationId=app_id, MessageRequest={
            "Addresses": {PATIENT: {"ChannelType": "SMS"}},
            "MessageConfiguration": {"DefaultMessage": {"Body": "Hello"}}})
        [message] = outbox.sms()
        assert message["body"] == "Hello" and message["message_type"] == "PROMOTIONAL"
        assert "origination_number" not in message

    @pytest.mark.parametrize("address", ["+1555", "14155550123", "+15555550100", "not a number"])
    def test_invalid_phone_number_is_a_permanent_failure(self, backend, address):
        app_id = sms_app(backend)
        result = backend.send_messages(ApplicationId=app_id, MessageRequest=sms_request(
            {address: {"ChannelType": "SMS"}, PATIENT: {"ChannelType": "SMS"}}))["MessageResponse"]["Result"]
        assert result[address]["DeliveryStatus"] == "PERMANENT_FAILURE"
        assert result[address]["StatusCode"] == 400 and "MessageId" not in result[address]
        assert result[PATIENT]["DeliveryStatus"] == "SUCCESSFUL"
        assert [m["to"] for m in outbox.sms()] == [PATIENT]

    def test_other_channels_are_not_emulated(self, backend):
        app_id = sms_app(backend)
        result = backend.send_messages(ApplicationId=app_id, MessageRequest=sms_request(
            {"bob@example.com": {"ChannelType": "EMAIL"}}))["MessageResponse"]["Result"]
        assert result["bob@example.com"]["DeliveryStatus"] == "PERMANENT_FAILURE"
        assert outbox.sms() == []

    @pytest.mark.parametrize("enabled", [False, None])
    def test_sms_channel_missing_or_disabled_is_bad_request(self, backend, enabled):
        if enabled is None:
            app_id = backend.create_app(CreateApplicationRequest={"Name": "no-channel"})["ApplicationResponse"]["Id"]
        else:
            app_id = sms_app(backend, enabled=False)
        with pytest.raises(BadRequestException):
            backend.send_messages(ApplicationId=app_id, MessageRequest=sms_request({PATIENT: {"ChannelType": "SMS"}}))
        assert outbox.sms() == []

    @pytest.mark.parametrize("request_body", [
        {"Addresses": {PATIENT: {"ChannelType": "SMS"}}, "MessageConfiguration": {"SMSMessage": {}}},
        {"Addresses": {PATIENT: {}}, "MessageConfiguration": {"SMSMessage": {"Body": "x"}}},
        {"Endpoints": {"endpoint-1": {}}, "MessageConfiguration": {"SMSMessage": {"Body": "x"}}},
        sms_request({f"+1415555{i:04d}": {"ChannelType": "SMS"} for i in range(101)}),
    ])
    def test_bad_requests_send_nothing(self, backend, request_body):
        app_id = sms_app(backend)
        with pytest.raises(BadRequestException):
            backend.send_messages(ApplicationId=app_id, MessageRequest=request_body)
        assert outbox.sms() == []

    def test_unknown_app_is_not_found(self, backend):
        with pytest.raises(NotFoundException):
            backend.send_messages(ApplicationId="0" * 32, MessageRequest=sms_request({PATIENT: {"ChannelType": "SMS"}}))


class TestFaultSwitch:
    def test_next_sends_fail_with_a_delivery_status(self, backend):
        app_id = sms_app(backend)
        pinpoint.fail_next_send_messages(2, delivery_status="THROTTLED")
        for _ in range(2):
            result = backend.send_messages(ApplicationId=app_id, MessageRequest=sms_request(
                {PATIENT: {"ChannelType": "SMS"}}))["MessageResponse"]["Result"][PATIENT]
            assert (result["DeliveryStatus"], result["StatusCode"]) == ("THROTTLED", 429)
        assert outbox.sms() == []
        result = backend.send_messages(ApplicationId=app_id, MessageRequest=sms_request(
            {PATIENT: {"ChannelType": "SMS"}}))["MessageResponse"]["Result"][PATIENT]
        assert result["DeliveryStatus"] == "SUCCESSFUL"
        assert len(outbox.sms()) == 1

    def test_next_send_fails_with_an_api_error(self, backend):
        app_id = sms_app(backend)
        pinpoint.fail_next_send_messages(error="TooManyRequestsException")
        with pytest.raises(TooManyRequestsException):
            backend.send_messages(ApplicationId=app_id, MessageRequest=sms_request({PATIENT: {"ChannelType": "SMS"}}))
        assert pinpoint.faults.pending() == 0 and outbox.sms() == []

    def test_bad_fault_settings_are_refused(self):
        with pytest.raises(ValueError):
            pinpoint.fail_next_send_messages(error="NoSuchException")
        with pytest.raises(ValueError):
            pinpoint.fail_next_send_messages(delivery_status="SUCCESSFUL")
        with pytest.raises(ValueError):
            pinpoint.fail_next_send_messages(0)
        assert pinpoint.faults.pending() == 0


# --- boto3 through the served emulator -----------------------------------------------------

def error_of(excinfo) -> tuple[int, str, dict]:
    response = excinfo.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response


class TestBoto3:
    @pytest.fixture
    def client(self, boto_client):
        return boto_client("pinpoint")

    @pytest.fixture
    def app_id(self, client) -> str:
        app_id = client.create_app(CreateApplicationRequest={"Name": "telehealth-local"})["ApplicationResponse"]["Id"]
        client.update_sms_channel(ApplicationId=app_id, SMSChannelRequest={"Enabled": True})
        return app_id

    def test_apps(self, client):
        created = client.create_app(CreateApplicationRequest={"Name": "telehealth-local", "tags": {"stage": "local"}})
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
        app = created["ApplicationResponse"]
        assert isinstance(app["CreationDate"], str)
        assert client.get_app(ApplicationId=app["Id"])["ApplicationResponse"] == app
        assert app["Id"] in [a["Id"] for a in client.get_apps()["ApplicationsResponse"]["Item"]]
        assert client.delete_app(ApplicationId=app["Id"])["ApplicationResponse"] == app
        with pytest.raises(ClientError) as excinfo:
            client.get_app(ApplicationId=app["Id"])
        status, code, response = error_of(excinfo)
        assert (status, code) == (404, "NotFoundException")
        assert response["Message"] and response["RequestID"]

    def test_application_settings_as_terraform_uses_them(self, client):
        app_id = client.create_app(CreateApplicationRequest={"Name": "telehealth-local"})["ApplicationResponse"]["Id"]
        client.update_application_settings(ApplicationId=app_id, WriteApplicationSettingsRequest={})
        settings = client.get_application_settings(ApplicationId=app_id)["ApplicationSettingsResource"]
        assert settings["CampaignHook"] == {} and settings["Limits"] == {} and settings["QuietTime"] == {}
        with pytest.raises(ClientError) as excinfo:
            client.get_application_settings(ApplicationId="0" * 32)
        assert error_of(excinfo)[:2] == (404, "NotFoundException")

    def test_sms_channel(self, client):
        app_id = client.create_app(CreateApplicationRequest={"Name": "telehealth-local"})["ApplicationResponse"]["Id"]
        with pytest.raises(ClientError) as excinfo:
            client.get_sms_channel(ApplicationId=app_id)
        assert error_of(excinfo)[:2] == (404, "NotFoundException")
        channel = client.update_sms_channel(ApplicationId=app_id, SMSChannelRequest={"Enabled": True})
        assert channel["SMSChannelResponse"]["Enabled"] is True
        assert client.get_sms_channel(ApplicationId=app_id)["SMSChannelResponse"]["Platform"] == "SMS"
        assert client.delete_sms_channel(ApplicationId=app_id)["SMSChannelResponse"]["ApplicationId"] == app_id

    def test_send_messages(self, client, app_id):
        response = client.send_messages(ApplicationId=app_id, MessageRequest=sms_request(
            {PATIENT: {"ChannelType": "SMS"}, "+1555": {"ChannelType": "SMS"}}))["MessageResponse"]
        assert response["Result"][PATIENT]["DeliveryStatus"] == "SUCCESSFUL"
        assert response["Result"]["+1555"]["DeliveryStatus"] == "PERMANENT_FAILURE"
        assert [(m["to"], m["message_type"]) for m in outbox.sms()] == [(PATIENT, "TRANSACTIONAL")]

    def test_send_messages_errors(self, client, app_id):
        with pytest.raises(ClientError) as excinfo:
            client.send_messages(ApplicationId="0" * 32, MessageRequest=sms_request({PATIENT: {"ChannelType": "SMS"}}))
        assert error_of(excinfo)[:2] == (404, "NotFoundException")
        with pytest.raises(ClientError) as excinfo:
            client.send_messages(ApplicationId=app_id, MessageRequest={
                "Addresses": {PATIENT: {"ChannelType": "SMS"}},
                "MessageConfiguration": {"SMSMessage": {"Body": "x", "MessageType": "URGENT"}}})
        assert error_of(excinfo)[:2] == (400, "BadRequestException")
        client.update_sms_channel(ApplicationId=app_id, SMSChannelRequest={"Enabled": False})
        with pytest.raises(ClientError) as excinfo:
            client.send_messages(ApplicationId=app_id, MessageRequest=sms_request({PATIENT: {"ChannelType": "SMS"}}))
        assert error_of(excinfo)[:2] == (400, "BadRequestException")
        assert outbox.sms() == []

    def test_injected_api_error(self, client, app_id, emulator_endpoint):
        # No retries: botocore would retry a 500 and consume the next (healthy) send.
        once = boto3.client("pinpoint", endpoint_url=emulator_endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing",
                            config=Config(retries={"total_max_attempts": 1}))
        pinpoint.fail_next_send_messages(error="InternalServerErrorException")
        with pytest.raises(ClientError) as excinfo:
            once.send_messages(ApplicationId=app_id, MessageRequest=sms_request({PATIENT: {"ChannelType": "SMS"}}))
        assert error_of(excinfo)[:2] == (500, "InternalServerErrorException")
        assert client.send_messages(ApplicationId=app_id, MessageRequest=sms_request(
            {PATIENT: {"ChannelType": "SMS"}}))["MessageResponse"]["Result"][PATIENT]["DeliveryStatus"] == "SUCCESSFUL"

    def test_tags(self, client, app_id):
        arn = client.get_app(ApplicationId=app_id)["ApplicationResponse"]["Arn"]
        assert client.tag_resource(ResourceArn=arn, TagsModel={"tags": {"team": "care"}})[
            "ResponseMetadata"]["HTTPStatusCode"] == 204
        assert client.list_tags_for_resource(ResourceArn=arn)["TagsModel"]["tags"] == {"team": "care"}
        client.untag_resource(ResourceArn=arn, TagKeys=["team"])
        assert client.list_tags_for_resource(ResourceArn=arn)["TagsModel"]["tags"] == {}
        with pytest.raises(ClientError) as excinfo:
            client.list_tags_for_resource(ResourceArn=arn.replace(app_id, "0" * 32))
        assert error_of(excinfo)[:2] == (404, "NotFoundException")

    def test_bare_payloads_on_the_wire(self, emulator_endpoint, app_id):
        import requests

        signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/mobiletargeting/"
                                   "aws4_request, SignedHeaders=host, Signature=0"}
        response = requests.post(f"{emulator_endpoint}/v1/apps/{app_id}/messages", headers=signed, timeout=10,
                                 json=sms_request({PATIENT: {"ChannelType": "SMS"}}))
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"ApplicationId", "RequestId", "Result"}
        assert body["Result"][PATIENT]["DeliveryStatus"] == "SUCCESSFUL"
        created = requests.post(f"{emulator_endpoint}/v1/apps", headers=signed, json={"Name": "raw"}, timeout=10)
        assert created.status_code == 201 and isinstance(created.json()["CreationDate"], str)
