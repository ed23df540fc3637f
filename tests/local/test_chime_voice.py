"""Emulated Chime SDK voice: SIP media applications, phone numbers and call creation; direct and via boto3."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from botocore.exceptions import ClientError

from telehealth_local.emulator.chime_voice import LOCAL_PHONE_NUMBER
from telehealth_local.emulator.chime_voice.exceptions import (
    BadRequestException,
    NotFoundException,
    ServiceUnavailableException,
)
from telehealth_local.emulator.chime_voice.models import ChimeVoiceBackend
from telehealth_local.emulator.errors import AwsServiceError

ACCOUNT, REGION = "123456789012", "us-east-1"
HANDLER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:telehealth-calling-local-sma_handler"
PATIENT_PHONE = "+14155550123"


class SilentHandler:
    """A handler that answers every event with no actions (these tests only create calls)."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def invoke(self, function: str, event: dict) -> dict:
        self.events.append(event)
        return {"SchemaVersion": "1.0", "Actions": []}


@pytest.fixture
def handler(emulator):
    fake = SilentHandler()
    emulator.calls.configure(fake, wait_timeout=10.0)
    return fake


@pytest.fixture
def backend(emulator) -> ChimeVoiceBackend:
    return ChimeVoiceBackend(ACCOUNT, REGION, calls=emulator.calls)


def new_sma(backend: ChimeVoiceBackend, name: str = "telehealth-local-sma", arn: str = HANDLER_ARN) -> dict:
    return backend.create_sip_media_application(AwsRegion=REGION, Name=name, Endpoints=[{"LambdaArn": arn}])[
        "SipMediaApplication"]


# --- backend, called directly ------------------------------------------------------------

class TestSipMediaApplications:
    def test_create_get_update_delete(self, backend):
        sma = new_sma(backend)
        assert sma["SipMediaApplicationArn"] == f"arn:aws:chime:{REGION}:{ACCOUNT}:sma/{sma['SipMediaApplicationId']}"
        assert sma["Endpoints"] == [{"LambdaArn": HANDLER_ARN}] and sma["AwsRegion"] == REGION
        assert isinstance(sma["CreatedTimestamp"], dt.datetime)
        assert backend.get_sip_media_application(SipMediaApplicationId=sma["SipMediaApplicationId"])[
            "SipMediaApplication"] == sma
        other_arn = HANDLER_ARN.replace("sma_handler", "other")
        updated = backend.update_sip_media_application(SipMediaApplicationId=sma["SipMediaApplicationId"],
                                                       Name="renamed", Endpoints=[{"LambdaArn": other_arn}])
        assert updated["SipMediaApplication"]["Name"] == "renamed"
        assert updated["SipMediaApplication"]["Endpoints"] == [{"LambdaArn": other_arn}]
        assert updated["SipMediaApplication"]["UpdatedTimestamp"] >= sma["UpdatedTimestamp"]
        backend.delete_sip_media_application(SipMediaApplicationId=sma["SipMediaApplicationId"])
        for operation in (backend.get_sip_media_application, backend.delete_sip_media_application):
            with pytest.raises(NotFoundException):
                operation(SipMediaApplicationId=sma["SipMediaApplicationId"])
        with pytest.raises(NotFoundException):
            backend.update_sip_media_application(SipMediaApplicationId=sma["SipMediaApplicationId"], Name="x")

    @pytest.mark.parametrize("region,arn", [
        ("mars-1", HANDLER_ARN),
        (REGION, HANDLER_ARN.replace(REGION, "us-west-2")),
        (REGION, HANDLER_ARN.replace(ACCOUNT, "999999999999")),
    ])
    def test_bad_region_or_foreign_lambda_is_bad_request(self, backend, region, arn):
        with pytest.raises(BadRequestException):
            backend.create_sip_media_application(AwsRegion=region, Name="sma", Endpoints=[{"LambdaArn": arn}])
        assert backend.applications == {}

    def test_list_pages(self, backend):
        ids = [new_sma(backend, name=f"sma-{i}")["SipMediaApplicationId"] for i in range(5)]
        seen, token = [], None
        while True:
            page = backend.list_sip_media_applications(MaxResults=2, **({"NextToken": token} if token else {}))
            seen += [a["SipMediaApplicationId"] for a in page["SipMediaApplications"]]
            token = page.get("NextToken")
            if not token:
                break
        assert seen == ids
        with pytest.raises(AwsServiceError) as excinfo:
            backend.list_sip_media_applications(NextToken="garbage")
        assert excinfo.value.error_type == "BadRequestException"


class TestPhoneNumbers:
    def test_the_local_number_is_owned_and_more_can_be_registered(self, backend):
        numbers = backend.list_phone_numbers()["PhoneNumbers"]
        assert [n["E164PhoneNumber"] for n in numbers] == [LOCAL_PHONE_NUMBER]
        backend.register_phone_number("+12065550199")
        assert backend.get_phone_number(PhoneNumberId="+12065550199")["PhoneNumber"]["Status"] == "Assigned"
        assert len(backend.list_phone_numbers(ProductType="SipMediaApplicationDialIn")["PhoneNumbers"]) == 2
        assert backend.list_phone_numbers(ProductType="VoiceConnector")["PhoneNumbers"] == []
        with pytest.raises(NotFoundException):
            backend.get_phone_number(PhoneNumberId="+12065550111")


class TestCalls:
    def test_create_call_starts_the_simulator(self, emulator, backend, handler):
        sma = new_sma(backend)
        result = backend.create_sip_media_application_call(
            FromPhoneNumber=LOCAL_PHONE_NUMBER, ToPhoneNumber=PATIENT_PHONE,
            SipMediaApplicationId=sma["SipMediaApplicationId"], ArgumentsMap={"k": "v"})
        transaction_id = result["SipMediaApplicationCall"]["TransactionId"]
        state = emulator.calls.wait_idle(transaction_id)
        assert state["status"] == "ringing" and state["sip_media_application_id"] == sma["SipMediaApplicationId"]
        assert [e["InvocationEventType"] for e in handler.events] == ["NEW_OUTBOUND_CALL", "RINGING"]

    def test_create_call_errors(self, emulator, backend, handler):
        sma = new_sma(backend)
        with pytest.raises(BadRequestException):
            backend.create_sip_media_application_call(FromPhoneNumber=LOCAL_PHONE_NUMBER, ToPhoneNumber=PATIENT_PHONE,
                                                      SipMediaApplicationId="0a0a0a0a-0000-0000-0000-000000000000")
        with pytest.raises(BadRequestException):
            backend.create_sip_media_application_call(FromPhoneNumber="+12065550111", ToPhoneNumber=PATIENT_PHONE,
                                                      SipMediaApplicationId=sma["SipMediaApplicationId"])
        assert emulator.calls.list_calls() == []

    def test_no_invoker_is_service_unavailable(self, emulator, backend):
        sma = new_sma(backend)
        with pytest.raises(ServiceUnavailableException):
            backend.create_sip_media_application_call(FromPhoneNumber=LOCAL_PHONE_NUMBER, ToPhoneNumber=PATIENT_PHONE,
                                                      SipMediaApplicationId=sma["SipMediaApplicationId"])
        assert emulator.calls.list_calls() == []

    def test_update_call_errors(self, backend, handler):
        sma = new_sma(backend)
        with pytest.raises(NotFoundException):
            backend.update_sip_media_application_call(SipMediaApplicationId=sma["SipMediaApplicationId"],
                                                      TransactionId="no-such-call", Arguments={})
        with pytest.raises(NotFoundException):
            backend.update_sip_media_application_call(SipMediaApplicationId="0a0a0a0a-0000-0000-0000-000000000000",
                                                      TransactionId="no-such-call", Arguments={})
        other = new_sma(backend, name="other")
        transaction_id = backend.create_sip_media_application_call(
            FromPhoneNumber=LOCAL_PHONE_NUMBER, ToPhoneNumber=PATIENT_PHONE,
            SipMediaApplicationId=sma["SipMediaApplicationId"])["SipMediaApplicationCall"]["TransactionId"]
        # A call belongs to the application that placed it.
        with pytest.raises(NotFoundException):
            backend.update_sip_media_application_call(SipMediaApplicationId=other["SipMediaApplicationId"],
                                                      TransactionId=transaction_id, Arguments={})


# --- boto3 through the served emulator -----------------------------------------------------

def error_of(excinfo) -> tuple[int, str, dict]:
    response = excinfo.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response


class TestBoto3:
    @pytest.fixture
    def client(self, boto_client):
        return boto_client("chime-sdk-voice")

    def test_sip_media_application_lifecycle(self, client):
        created = client.create_sip_media_application(AwsRegion=REGION, Name="telehealth-local-sma",
                                                       Endpoints=[{"LambdaArn": HANDLER_ARN}],
                                                       Tags=[{"Key": "stage", "Value": "local"}])
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
        sma = created["SipMediaApplication"]
        assert isinstance(sma["CreatedTimestamp"], dt.datetime)
        sma_id = sma["SipMediaApplicationId"]
        assert client.get_sip_media_application(SipMediaApplicationId=sma_id)["SipMediaApplication"] == sma
        listed = [a["SipMediaApplicationId"] for page in client.get_paginator("list_sip_media_applications").paginate(
            PaginationConfig={"PageSize": 1}) for a in page["SipMediaApplications"]]
        assert listed == [sma_id]
        renamed = client.update_sip_media_application(SipMediaApplicationId=sma_id, Name="renamed")
        assert renamed["SipMediaApplication"]["Name"] == "renamed"
        assert client.delete_sip_media_application(SipMediaApplicationId=sma_id)[
            "ResponseMetadata"]["HTTPStatusCode"] == 204
        with pytest.raises(ClientError) as excinfo:
            client.get_sip_media_application(SipMediaApplicationId=sma_id)
        status, code, response = error_of(excinfo)
        assert (status, code) == (404, "NotFoundException") and response["Error"]["Message"]

    def test_timestamps_are_iso8601_on_the_wire(self, emulator_endpoint, client):
        import requests

        sma_id = client.create_sip_media_application(AwsRegion=REGION, Name="sma", Endpoints=[
            {"LambdaArn": HANDLER_ARN}])["SipMediaApplication"]["SipMediaApplicationId"]
        signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/chime/aws4_request, "
                                   "SignedHeaders=host, Signature=0"}
        body = requests.get(f"{emulator_endpoint}/sip-media-applications/{sma_id}", headers=signed, timeout=10).json()
        # The voice model types these timestamps iso8601 (not epoch seconds like the rest of Chime).
        assert isinstance(body["SipMediaApplication"]["CreatedTimestamp"], str)
        missing = requests.get(f"{emulator_endpoint}/sip-media-applications/{sma_id}x", headers=signed, timeout=10)
        assert missing.status_code == 404 and missing.headers["x-amzn-ErrorType"] == "NotFoundException"
        assert missing.json()["Code"] == "NotFound"

    @pytest.mark.parametrize("call", [
        lambda c: c.create_sip_media_application(AwsRegion=REGION, Name="bad/name",
                                                 Endpoints=[{"LambdaArn": HANDLER_ARN}]),
        lambda c: c.create_sip_media_application(AwsRegion=REGION, Name="sma",
                                                 Endpoints=[{"LambdaArn": "arn:aws:sns:us-east-1:1:topic"}]),
        lambda c: c.create_sip_media_application(AwsRegion=REGION, Name="sma", Endpoints=[
            {"LambdaArn": HANDLER_ARN}, {"LambdaArn": HANDLER_ARN}]),
        lambda c: c.create_sip_media_application(AwsRegion="mars-1", Name="sma",
                                                 Endpoints=[{"LambdaArn": HANDLER_ARN}]),
    ])
    def test_bad_request(self, client, call):
        with pytest.raises(ClientError) as excinfo:
            call(client)
        assert error_of(excinfo)[:2] == (400, "BadRequestException")

    def test_tags(self, client, boto_client):
        arn = client.create_sip_media_application(AwsRegion=REGION, Name="sma", Endpoints=[{"LambdaArn": HANDLER_ARN}],
                                                  Tags=[{"Key": "stage", "Value": "local"}])[
            "SipMediaApplication"]["SipMediaApplicationArn"]
        client.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "care"}])
        assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
            {"Key": "stage", "Value": "local"}, {"Key": "team", "Value": "care"}]
        client.untag_resource(ResourceARN=arn, TagKeys=["stage"])
        assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "care"}]
        with pytest.raises(ClientError) as excinfo:
            client.tag_resource(ResourceARN=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
        assert error_of(excinfo)[:2] == (400, "ResourceLimitExceededException")
        with pytest.raises(ClientError) as excinfo:
            client.list_tags_for_resource(ResourceARN=f"arn:aws:chime:{REGION}:{ACCOUNT}:sma/{uuid.uuid4()}")
        assert error_of(excinfo)[:2] == (404, "NotFoundException")

    def test_phone_numbers(self, client):
        [number] = client.list_phone_numbers()["PhoneNumbers"]
        assert number["E164PhoneNumber"] == LOCAL_PHONE_NUMBER
        assert client.get_phone_number(PhoneNumberId=LOCAL_PHONE_NUMBER)["PhoneNumber"]["PhoneNumberId"] == LOCAL_PHONE_NUMBER
        with pytest.raises(ClientError) as excinfo:
            client.get_phone_number(PhoneNumberId="+12065550111")
        assert error_of(excinfo)[:2] == (404, "NotFoundException")

    def test_create_call(self, emulator, client, handler):
        sma_id = client.create_sip_media_application(AwsRegion=REGION, Name="sma", Endpoints=[
            {"LambdaArn": HANDLER_ARN}])["SipMediaApplication"]["SipMediaApplicationId"]
        created = client.create_sip_media_application_call(FromPhoneNumber=LOCAL_PHONE_NUMBER,
                                                           ToPhoneNumber=PATIENT_PHONE, SipMediaApplicationId=sma_id)
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
        transaction_id = created["SipMediaApplicationCall"]["TransactionId"]
        assert emulator.calls.wait_idle(transaction_id)["status"] == "ringing"
        for kwargs in ({"FromPhoneNumber": LOCAL_PHONE_NUMBER, "ToPhoneNumber": "555-0100"},
                       {"FromPhoneNumber": "+12065550111", "ToPhoneNumber": PATIENT_PHONE}):
            with pytest.raises(ClientError) as excinfo:
                client.create_sip_media_application_call(SipMediaApplicationId=sma_id, **kwargs)
            assert error_of(excinfo)[:2] == (400, "BadRequestException")
        with pytest.raises(ClientError) as excinfo:
            client.create_sip_media_application_call(FromPhoneNumber=LOCAL_PHONE_NUMBER, ToPhoneNumber=PATIENT_PHONE,
                                                     SipMediaApplicationId="0a0a0a0a-0000-0000-0000-000000000000")
        assert error_of(excinfo)[:2] == (400, "BadRequestException")
        assert len(emulator.calls.list_calls()) == 1

    def test_create_call_without_invoker_is_503(self, client):
        sma_id = client.create_sip_media_application(AwsRegion=REGION, Name="sma", Endpoints=[
            {"LambdaArn": HANDLER_ARN}])["SipMediaApplication"]["SipMediaApplicationId"]
        with pytest.raises(ClientError) as excinfo:
            client.create_sip_media_application_call(FromPhoneNumber=LOCAL_PHONE_NUMBER, ToPhoneNumber=PATIENT_PHONE,
                                                     SipMediaApplicationId=sma_id)
        assert error_of(excinfo)[:2] == (503, "ServiceUnavailableException")
