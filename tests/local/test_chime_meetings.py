"""Emulated Chime SDK meetings: backend rules called directly, then boto3 conformance through the served emulator."""
from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from telehealth_local.emulator.chime_meetings import MeetingHooks
from telehealth_local.emulator.chime_meetings.exceptions import (
    BadRequestException,
    LimitExceededException,
    NotFoundException,
    ResourceNotFoundException,
    TooManyTagsException,
)
from telehealth_local.emulator.chime_meetings.models import ChimeMeetingsBackend
from telehealth_local.emulator.errors import AwsServiceError

ACCOUNT, REGION = "123456789012", "us-east-1"
GUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
PLACEMENT_KEYS = {"AudioHostUrl", "AudioFallbackUrl", "SignalingUrl", "TurnControlUrl", "ScreenDataUrl",
                  "ScreenViewingUrl", "ScreenSharingUrl", "EventIngestionUrl"}


@pytest.fixture
def backend() -> ChimeMeetingsBackend:
    return ChimeMeetingsBackend(ACCOUNT, REGION, hooks=MeetingHooks())


def new_meeting(backend: ChimeMeetingsBackend, token: str | None = None, **extra) -> dict:
    request = {"ClientRequestToken": token or uuid.uuid4().hex, "MediaRegion": "us-east-1",
               "ExternalMeetingId": "appointment-1", **extra}
    return backend.create_meeting(**request)["Meeting"]


# --- backend, called directly ------------------------------------------------------------

class TestMeetings:
    def test_create_meeting_has_the_aws_shape(self, backend):
        meeting = new_meeting(backend, MeetingHostId="doctor-1")
        assert set(meeting) == {"MeetingId", "ExternalMeetingId", "MediaRegion", "MediaPlacement", "MeetingArn",
                                "MeetingHostId"}
        assert meeting["MeetingArn"] == f"arn:aws:chime:{REGION}:{ACCOUNT}:meeting/{meeting['MeetingId']}"
        assert set(meeting["MediaPlacement"]) == PLACEMENT_KEYS
        assert meeting["MeetingId"] in meeting["MediaPlacement"]["SignalingUrl"]
        assert backend.get_meeting(MeetingId=meeting["MeetingId"])["Meeting"] == meeting

    def test_same_client_request_token_returns_the_same_meeting(self, backend):
        first = new_meeting(backend, token="token-1")
        again = new_meeting(backend, token="token-1")
        other = new_meeting(backend, token="token-2")
        assert again == first
        assert other["MeetingId"] != first["MeetingId"]
        assert len(backend.meetings) == 2

    def test_token_of_a_deleted_meeting_creates_a_new_one(self, backend):
        first = new_meeting(backend, token="token-1")
        backend.delete_meeting(MeetingId=first["MeetingId"])
        assert new_meeting(backend, token="token-1")["MeetingId"] != first["MeetingId"]

    def test_meeting_features_are_echoed(self, backend):
        features = {"Audio": {"EchoReduction": "AVAILABLE"}, "Attendee": {"MaxCount": 5}}
        assert new_meeting(backend, MeetingFeatures=features)["MeetingFeatures"] == features

    @pytest.mark.parametrize("field,value", [
        ("MediaRegion", "mars-north-1"),
        ("ExternalMeetingId", "aws:reserved"),
        ("ExternalMeetingId", "AWS:reserved"),
        ("ExternalMeetingId", "bad<chars>"),
        ("MeetingHostId", "aws:host"),
        ("PrimaryMeetingId", "not-a-meeting"),
    ])
    def test_bad_meeting_input_is_bad_request_and_creates_nothing(self, backend, field, value):
        with pytest.raises(BadRequestException):
            new_meeting(backend, **{field: value})
        assert backend.meetings == {}

    def test_get_and_delete_unknown_meeting_are_not_found(self, backend):
        missing = str(uuid.uuid4())
        with pytest.raises(NotFoundException):
            backend.get_meeting(MeetingId=missing)
        with pytest.raises(NotFoundException):
            backend.delete_meeting(MeetingId=missing)

    def test_deleted_meeting_is_gone_with_its_attendees(self, backend):
        meeting = new_meeting(backend)
        attendee = backend.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="patient-1")["Attendee"]
        backend.delete_meeting(MeetingId=meeting["MeetingId"])
        with pytest.raises(NotFoundException):
            backend.get_meeting(MeetingId=meeting["MeetingId"])
        with pytest.raises(NotFoundException):
            backend.get_attendee(MeetingId=meeting["MeetingId"], AttendeeId=attendee["AttendeeId"])
        with pytest.raises(NotFoundException):
            backend.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="patient-1")


class TestAttendees:
    def test_create_attendee_has_the_aws_shape(self, backend):
        meeting = new_meeting(backend)
        attendee = backend.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="(phone) Bob")["Attendee"]
        assert set(attendee) == {"ExternalUserId", "AttendeeId", "JoinToken", "Capabilities"}
        assert attendee["ExternalUserId"] == "(phone) Bob"
        assert attendee["Capabilities"] == {"Audio": "SendReceive", "Video": "SendReceive", "Content": "SendReceive"}
        assert 2 <= len(attendee["JoinToken"]) <= 2048
        fetched = backend.get_attendee(MeetingId=meeting["MeetingId"], AttendeeId=attendee["AttendeeId"])
        assert fetched["Attendee"] == attendee

    def test_same_external_user_id_returns_the_same_attendee(self, backend):
        meeting = new_meeting(backend)
        first = backend.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="patient-1")["Attendee"]
        again = backend.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="patient-1")["Attendee"]
        other = backend.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="doctor-1")["Attendee"]
        assert again == first
        assert other["AttendeeId"] != first["AttendeeId"] and other["JoinToken"] != first["JoinToken"]
        assert len(backend.list_attendees(MeetingId=meeting["MeetingId"])["Attendees"]) == 2

    def test_deleted_attendee_is_not_found_and_comes_back_as_a_new_one(self, backend):
        meeting = new_meeting(backend)
        first = backend.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="patient-1")["Attendee"]
        backend.delete_attendee(MeetingId=meeting["MeetingId"], AttendeeId=first["AttendeeId"])
        with pytest.raises(NotFoundException):
            backend.get_attendee(MeetingId=meeting["MeetingId"], AttendeeId=first["AttendeeId"])
        with pytest.raises(NotFoundException):
            backend.delete_attendee(MeetingId=meeting["MeetingId"], AttendeeId=first["AttendeeId"])
        again = backend.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="patient-1")["Attendee"]
        assert again["AttendeeId"] != first["AttendeeId"]

    @pytest.mark.parametrize("external_user_id", ["aws:someone", "Aws:someone", "tab<script>"])
    def test_bad_external_user_id_is_bad_request(self, backend, external_user_id):
        meeting = new_meeting(backend)
        with pytest.raises(BadRequestException):
            backend.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId=external_user_id)
        assert backend.list_attendees(MeetingId=meeting["MeetingId"])["Attendees"] == []

    def test_capability_rules(self, backend):
        meeting = new_meeting(backend, MeetingFeatures={"Video": {"MaxResolution": "None"}})
        with pytest.raises(BadRequestException):
            backend.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="patient-1",
                                    Capabilities={"Audio": "SendReceive", "Video": "Send", "Content": "None"})
        other = new_meeting(backend)
        with pytest.raises(BadRequestException):
            backend.create_attendee(MeetingId=other["MeetingId"], ExternalUserId="patient-1",
                                    Capabilities={"Audio": "SendReceive", "Video": "None", "Content": "Receive"})
        ok = backend.create_attendee(MeetingId=other["MeetingId"], ExternalUserId="patient-1",
                                     Capabilities={"Audio": "Send", "Video": "Receive", "Content": "Receive"})
        assert ok["Attendee"]["Capabilities"]["Audio"] == "Send"

    def test_attendee_limit(self, backend):
        meeting = new_meeting(backend, MeetingFeatures={"Attendee": {"MaxCount": 2}})
        mid = meeting["MeetingId"]
        first = backend.create_attendee(MeetingId=mid, ExternalUserId="one-1")["Attendee"]
        backend.create_attendee(MeetingId=mid, ExternalUserId="two-2")
        with pytest.raises(LimitExceededException):
            backend.create_attendee(MeetingId=mid, ExternalUserId="three-3")
        # Asking again for an existing attendee is not a new attendee.
        assert backend.create_attendee(MeetingId=mid, ExternalUserId="one-1")["Attendee"] == first
        with pytest.raises(LimitExceededException):
            backend.batch_create_attendee(MeetingId=mid, Attendees=[{"ExternalUserId": "three-3"}])
        assert len(backend.list_attendees(MeetingId=mid)["Attendees"]) == 2

    def test_batch_create_reports_bad_items_and_creates_the_rest(self, backend):
        meeting = new_meeting(backend)
        result = backend.batch_create_attendee(MeetingId=meeting["MeetingId"], Attendees=[
            {"ExternalUserId": "patient-1"}, {"ExternalUserId": "aws:bad"}, {"ExternalUserId": "doctor-1"}])
        assert [a["ExternalUserId"] for a in result["Attendees"]] == ["patient-1", "doctor-1"]
        assert result["Errors"] == [{"ExternalUserId": "aws:bad", "ErrorCode": "BadRequest",
                                     "ErrorMessage": result["Errors"][0]["ErrorMessage"]}]

    def test_create_meeting_with_attendees(self, backend):
        result = backend.create_meeting_with_attendees(
            ClientRequestToken="tok-1", MediaRegion="eu-west-2", ExternalMeetingId="appointment-2",
            Attendees=[{"ExternalUserId": "doctor-1"}, {"ExternalUserId": "patient-1"}])
        mid = result["Meeting"]["MeetingId"]
        assert result["Meeting"]["MediaRegion"] == "eu-west-2"
        assert [a["ExternalUserId"] for a in result["Attendees"]] == ["doctor-1", "patient-1"]
        assert result["Errors"] == []
        # Same token: same meeting, same attendees.
        again = backend.create_meeting_with_attendees(
            ClientRequestToken="tok-1", MediaRegion="eu-west-2", ExternalMeetingId="appointment-2",
            Attendees=[{"ExternalUserId": "doctor-1"}])
        assert again["Meeting"]["MeetingId"] == mid
        assert again["Attendees"] == result["Attendees"][:1]

    def test_create_meeting_with_too_many_attendees_leaves_no_meeting(self, backend):
        with pytest.raises(LimitExceededException):
            backend.create_meeting_with_attendees(
                ClientRequestToken="tok-1", MediaRegion="us-east-1", ExternalMeetingId="appointment-3",
                MeetingFeatures={"Attendee": {"MaxCount": 1}},
                Attendees=[{"ExternalUserId": "doctor-1"}, {"ExternalUserId": "patient-1"}])
        assert backend.meetings == {}

    def test_list_attendees_pages_with_opaque_tokens(self, backend):
        meeting = new_meeting(backend)
        mid = meeting["MeetingId"]
        created = [backend.create_attendee(MeetingId=mid, ExternalUserId=f"user-{i:02d}")["Attendee"] for i in range(7)]
        seen, token = [], None
        while True:
            page = backend.list_attendees(MeetingId=mid, MaxResults=3, **({"NextToken": token} if token else {}))
            seen += page["Attendees"]
            token = page.get("NextToken")
            if not token:
                break
        assert seen == created
        assert len(backend.list_attendees(MeetingId=mid)["Attendees"]) == 7
        with pytest.raises(AwsServiceError) as excinfo:
            backend.list_attendees(MeetingId=mid, NextToken="garbage")
        assert excinfo.value.error_type == "BadRequestException"

    def test_update_capabilities(self, backend):
        meeting = new_meeting(backend)
        mid = meeting["MeetingId"]
        one = backend.create_attendee(MeetingId=mid, ExternalUserId="one-1")["Attendee"]
        two = backend.create_attendee(MeetingId=mid, ExternalUserId="two-2")["Attendee"]
        muted = {"Audio": "Receive", "Video": "Receive", "Content": "Receive"}
        updated = backend.update_attendee_capabilities(MeetingId=mid, AttendeeId=one["AttendeeId"], Capabilities=muted)
        assert updated["Attendee"]["Capabilities"] == muted
        none = {"Audio": "None", "Video": "None", "Content": "None"}
        backend.batch_update_attendee_capabilities_except(
            MeetingId=mid, ExcludedAttendeeIds=[{"AttendeeId": one["AttendeeId"]}], Capabilities=none)
        assert backend.get_attendee(MeetingId=mid, AttendeeId=one["AttendeeId"])["Attendee"]["Capabilities"] == muted
        assert backend.get_attendee(MeetingId=mid, AttendeeId=two["AttendeeId"])["Attendee"]["Capabilities"] == none
        with pytest.raises(BadRequestException):
            backend.update_attendee_capabilities(MeetingId=mid, AttendeeId=one["AttendeeId"],
                                                 Capabilities={"Audio": "None", "Video": "None", "Content": "Receive"})
        with pytest.raises(NotFoundException):
            backend.update_attendee_capabilities(MeetingId=mid, AttendeeId=str(uuid.uuid4()), Capabilities=muted)


class TestTags:
    def test_tag_list_untag(self, backend):
        meeting = new_meeting(backend, Tags=[{"Key": "stage", "Value": "local"}])
        arn = meeting["MeetingArn"]
        backend.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "care"}])
        assert backend.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
            {"Key": "stage", "Value": "local"}, {"Key": "team", "Value": "care"}]
        backend.untag_resource(ResourceARN=arn, TagKeys=["stage"])
        assert backend.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "care"}]

    def test_unknown_resource_and_too_many_tags(self, backend):
        meeting = new_meeting(backend)
        with pytest.raises(ResourceNotFoundException):
            backend.list_tags_for_resource(ResourceARN=f"arn:aws:chime:{REGION}:{ACCOUNT}:meeting/{uuid.uuid4()}")
        with pytest.raises(TooManyTagsException):
            backend.tag_resource(ResourceARN=meeting["MeetingArn"],
                                 Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
        assert backend.list_tags_for_resource(ResourceARN=meeting["MeetingArn"])["Tags"] == []


class TestCallSimulatorAccessors:
    @pytest.fixture
    def registered(self, emulator):
        return emulator.backends["chime-sdk-meetings"].get(ACCOUNT, REGION)

    def test_join_token_lookup_and_phone_connection(self, registered, emulator):
        meeting = new_meeting(registered)
        mid = meeting["MeetingId"]
        attendee = registered.create_attendee(MeetingId=mid, ExternalUserId="(phone) patient-1")["Attendee"]
        assert emulator.meetings.meeting_exists(ACCOUNT, REGION, mid)
        assert not emulator.meetings.meeting_exists(ACCOUNT, REGION, str(uuid.uuid4()))
        assert not emulator.meetings.meeting_exists("999999999999", REGION, mid)
        assert emulator.meetings.attendee_by_join_token(ACCOUNT, REGION, mid, attendee["JoinToken"]) == attendee
        assert emulator.meetings.attendee_by_join_token(ACCOUNT, REGION, mid, "not-the-token") is None
        assert emulator.meetings.connect_attendee(ACCOUNT, REGION, mid, "not-the-token", via="phone") is None

        assert emulator.meetings.connect_attendee(ACCOUNT, REGION, mid, attendee["JoinToken"], via="phone") == attendee
        assert emulator.meetings.attendee_connection(ACCOUNT, REGION, mid, attendee["AttendeeId"]) == "phone"
        # The AWS shapes never show the local connection state.
        assert registered.list_attendees(MeetingId=mid)["Attendees"] == [attendee]
        assert emulator.meetings.disconnect_attendee(ACCOUNT, REGION, mid, attendee["AttendeeId"])
        assert emulator.meetings.attendee_connection(ACCOUNT, REGION, mid, attendee["AttendeeId"]) is None
        registered.delete_attendee(MeetingId=mid, AttendeeId=attendee["AttendeeId"])
        assert not emulator.meetings.disconnect_attendee(ACCOUNT, REGION, mid, attendee["AttendeeId"])


# --- boto3 through the served emulator -----------------------------------------------------

def error_of(excinfo) -> tuple[int, str, dict]:
    response = excinfo.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response


class TestBoto3:
    @pytest.fixture
    def client(self, boto_client):
        return boto_client("chime-sdk-meetings")

    def test_meeting_lifecycle(self, client):
        meeting = client.create_meeting(ClientRequestToken="tok-1", MediaRegion="us-east-1",
                                        ExternalMeetingId="appointment-1",
                                        MeetingFeatures={"Audio": {"EchoReduction": "AVAILABLE"}})["Meeting"]
        assert set(meeting["MediaPlacement"]) == PLACEMENT_KEYS
        assert meeting["MeetingFeatures"] == {"Audio": {"EchoReduction": "AVAILABLE"}}
        again = client.create_meeting(ClientRequestToken="tok-1", MediaRegion="us-east-1",
                                      ExternalMeetingId="appointment-1")["Meeting"]
        assert again["MeetingId"] == meeting["MeetingId"]
        assert client.get_meeting(MeetingId=meeting["MeetingId"])["Meeting"] == meeting
        deleted = client.delete_meeting(MeetingId=meeting["MeetingId"])
        assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
        with pytest.raises(ClientError) as excinfo:
            client.get_meeting(MeetingId=meeting["MeetingId"])
        status, code, response = error_of(excinfo)
        assert (status, code) == (404, "NotFoundException")
        assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == "NotFoundException"
        assert response["Code"] == "NotFound" and response["RequestId"]

    def test_sdk_fills_the_idempotency_token(self, client):
        first = client.create_meeting(MediaRegion="us-east-1", ExternalMeetingId="appointment-1")["Meeting"]
        second = client.create_meeting(MediaRegion="us-east-1", ExternalMeetingId="appointment-1")["Meeting"]
        assert first["MeetingId"] != second["MeetingId"]

    def test_attendees(self, client):
        meeting = client.create_meeting_with_attendees(
            MediaRegion="us-east-1", ExternalMeetingId="appointment-1",
            Attendees=[{"ExternalUserId": "doctor-1"}, {"ExternalUserId": "aws:nope"}])
        mid = meeting["Meeting"]["MeetingId"]
        assert [a["ExternalUserId"] for a in meeting["Attendees"]] == ["doctor-1"]
        assert meeting["Errors"][0]["ExternalUserId"] == "aws:nope"
        patient = client.create_attendee(MeetingId=mid, ExternalUserId="patient-1")["Attendee"]
        assert client.create_attendee(MeetingId=mid, ExternalUserId="patient-1")["Attendee"] == patient
        batch = client.batch_create_attendee(MeetingId=mid, Attendees=[{"ExternalUserId": f"guest-{i}"} for i in range(3)])
        assert len(batch["Attendees"]) == 3 and batch["Errors"] == []
        assert client.get_attendee(MeetingId=mid, AttendeeId=patient["AttendeeId"])["Attendee"] == patient
        listed, token = [], None
        while True:
            page = client.list_attendees(MeetingId=mid, MaxResults=2, **({"NextToken": token} if token else {}))
            listed += page["Attendees"]
            token = page.get("NextToken")
            if not token:
                break
        assert [a["ExternalUserId"] for a in listed] == ["doctor-1", "patient-1", "guest-0", "guest-1", "guest-2"]
        updated = client.update_attendee_capabilities(
            MeetingId=mid, AttendeeId=patient["AttendeeId"],
            Capabilities={"Audio": "SendReceive", "Video": "None", "Content": "None"})
        assert updated["Attendee"]["Capabilities"]["Video"] == "None"
        client.batch_update_attendee_capabilities_except(
            MeetingId=mid, ExcludedAttendeeIds=[{"AttendeeId": patient["AttendeeId"]}],
            Capabilities={"Audio": "Receive", "Video": "Receive", "Content": "Receive"})
        doctor = client.get_attendee(MeetingId=mid, AttendeeId=meeting["Attendees"][0]["AttendeeId"])["Attendee"]
        assert doctor["Capabilities"]["Audio"] == "Receive"
        assert client.delete_attendee(MeetingId=mid, AttendeeId=patient["AttendeeId"])[
            "ResponseMetadata"]["HTTPStatusCode"] == 204
        with pytest.raises(ClientError) as excinfo:
            client.get_attendee(MeetingId=mid, AttendeeId=patient["AttendeeId"])
        assert error_of(excinfo)[:2] == (404, "NotFoundException")

    @pytest.mark.parametrize("call", [
        lambda c: c.create_meeting(MediaRegion="mars-1", ExternalMeetingId="appointment-1"),
        lambda c: c.create_meeting(MediaRegion="us-east-1", ExternalMeetingId="aws:x1"),
        lambda c: c.create_meeting(MediaRegion="us-east-1", ExternalMeetingId="x" * 65),
        lambda c: c.create_meeting(MediaRegion="us-east-1", ExternalMeetingId="appointment-1",
                                   MediaPlacementNetworkType="Carrier"),
        lambda c: c.get_meeting(MeetingId="not-a-guid"),
        lambda c: c.create_meeting_with_attendees(MediaRegion="us-east-1", ExternalMeetingId="appointment-1",
                                                  Attendees=[{"ExternalUserId": f"u-{i}"} for i in range(21)]),
    ])
    def test_bad_request(self, client, call):
        with pytest.raises(ClientError) as excinfo:
            call(client)
        status, code, response = error_of(excinfo)
        assert (status, code) == (400, "BadRequestException")
        assert response["RequestId"]

    def test_limit_exceeded(self, client):
        mid = client.create_meeting(MediaRegion="us-east-1", ExternalMeetingId="appointment-1",
                                    MeetingFeatures={"Attendee": {"MaxCount": 1}})["Meeting"]["MeetingId"]
        client.create_attendee(MeetingId=mid, ExternalUserId="doctor-1")
        with pytest.raises(ClientError) as excinfo:
            client.create_attendee(MeetingId=mid, ExternalUserId="patient-1")
        assert error_of(excinfo)[:2] == (400, "LimitExceededException")

    def test_not_found_on_every_meeting_operation(self, client):
        missing, attendee = str(uuid.uuid4()), str(uuid.uuid4())
        for call in (lambda: client.delete_meeting(MeetingId=missing),
                     lambda: client.create_attendee(MeetingId=missing, ExternalUserId="patient-1"),
                     lambda: client.batch_create_attendee(MeetingId=missing, Attendees=[{"ExternalUserId": "p-1"}]),
                     lambda: client.list_attendees(MeetingId=missing),
                     lambda: client.delete_attendee(MeetingId=missing, AttendeeId=attendee)):
            with pytest.raises(ClientError) as excinfo:
                call()
            assert error_of(excinfo)[:2] == (404, "NotFoundException")

    def test_tags(self, client):
        arn = client.create_meeting(MediaRegion="us-east-1", ExternalMeetingId="appointment-1",
                                    Tags=[{"Key": "stage", "Value": "local"}])["Meeting"]["MeetingArn"]
        client.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "care"}])
        assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
            {"Key": "stage", "Value": "local"}, {"Key": "team", "Value": "care"}]
        client.untag_resource(ResourceARN=arn, TagKeys=["team"])
        assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "stage", "Value": "local"}]
        with pytest.raises(ClientError) as excinfo:
            client.tag_resource(ResourceARN=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
        assert error_of(excinfo)[:2] == (400, "TooManyTagsException")
        with pytest.raises(ClientError) as excinfo:
            client.list_tags_for_resource(ResourceARN=f"arn:aws:chime:{REGION}:{ACCOUNT}:meeting/{uuid.uuid4()}")
        assert error_of(excinfo)[:2] == (404, "ResourceNotFoundException")

    def test_timestamps_and_errors_as_raw_json(self, emulator_endpoint, client):
        import requests

        mid = client.create_meeting(MediaRegion="us-east-1", ExternalMeetingId="appointment-1")["Meeting"]["MeetingId"]
        signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/chime/aws4_request, "
                                   "SignedHeaders=host, Signature=0"}
        body = requests.get(f"{emulator_endpoint}/meetings/{mid}", headers=signed, timeout=10).json()
        assert body["Meeting"]["MeetingId"] == mid
        missing = requests.get(f"{emulator_endpoint}/meetings/{uuid.uuid4()}", headers=signed, timeout=10)
        assert missing.status_code == 404
        assert missing.headers["x-amzn-ErrorType"] == "NotFoundException"
        assert set(missing.json()) == {"Code", "Message", "RequestId"}
