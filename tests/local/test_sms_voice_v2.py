"""Emulated End User Messaging SMS (pinpoint-sms-voice-v2) through boto3: SendTextMessage into the SMS
outbox, origination identities, configuration sets, opt-out lists (the Default one, STOP keywords),
errors in the service's JSON 1.0 shape."""
from __future__ import annotations

import pytest
import requests
from botocore.exceptions import ClientError

from telehealth_local.emulator.sms_voice_v2 import UnknownNumber

ACCOUNT, REGION = "123456789012", "us-east-1"
OURS, PATIENT, DOCTOR = "+12025550100", "+14155550123", "+12065550142"
BODY = "Check in for your appointment with Dr Ada."


@pytest.fixture
def sms(boto_client):
    return boto_client("pinpoint-sms-voice-v2")


@pytest.fixture
def outbox(emulator):
    """The SMS outbox of this test's emulator."""
    return emulator.outbox


@pytest.fixture
def number(sms, emulator) -> dict:
    return emulator.sms.register_phone_number(OURS)


def error_of(excinfo) -> tuple[int, str, dict]:
    response = excinfo.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response


def send(sms, **overrides):
    return sms.send_text_message(**{"DestinationPhoneNumber": PATIENT, "OriginationIdentity": OURS,
                                    "MessageBody": BODY, "MessageType": "TRANSACTIONAL", **overrides})


class TestSendTextMessage:
    def test_a_text_lands_in_the_outbox_with_its_origination_number(self, outbox, sms, number):
        sms.create_configuration_set(ConfigurationSetName="telehealth-local")
        response = send(sms, ConfigurationSetName="telehealth-local", Context={"appointment_id": "a-1"})
        assert response["MessageId"]
        (row,) = outbox.sms()
        assert {k: row[k] for k in ("to", "body", "message_type", "origination_number", "context")} == {
            "to": PATIENT, "body": BODY, "message_type": "TRANSACTIONAL", "origination_number": OURS,
            "context": {"appointment_id": "a-1"}}

    @pytest.mark.parametrize("identity", ["id", "arn"])
    def test_the_origination_identity_may_be_the_id_or_arn(self, outbox, sms, number, identity):
        send(sms, OriginationIdentity=number["PhoneNumberId" if identity == "id" else "PhoneNumberArn"])
        assert [m["origination_number"] for m in outbox.sms()] == [OURS]

    def test_dry_run_validates_and_sends_nothing(self, outbox, sms, number):
        assert send(sms, DryRun=True)["MessageId"]
        assert outbox.sms() == []

    def test_unknown_origination_identity_or_configuration_set(self, outbox, sms, number):
        with pytest.raises(ClientError) as excinfo:
            send(sms, OriginationIdentity="+12025550199")
        status, code, response = error_of(excinfo)
        assert (status, code, response["ResourceType"]) == (400, "ResourceNotFoundException", "phone-number")
        with pytest.raises(ClientError) as excinfo:
            send(sms, ConfigurationSetName="nope")
        assert error_of(excinfo)[2]["ResourceType"] == "configuration-set"
        assert outbox.sms() == []

    def test_no_number_in_the_account(self, sms):
        with pytest.raises(ClientError) as excinfo:
            sms.send_text_message(DestinationPhoneNumber=PATIENT, MessageBody=BODY)
        _, code, response = error_of(excinfo)
        assert (code, response["Reason"]) == ("ConflictException", "NO_ORIGINATION_IDENTITIES_FOUND")

    @pytest.mark.parametrize("overrides, reason", [
        ({"DestinationPhoneNumber": "+10000000000"}, "INVALID_PARAMETER"),
        ({"MessageBody": None}, "MISSING_PARAMETER"),
        ({"MessageType": "URGENT"}, "FIELD_VALIDATION_FAILED"),
        ({"MessageBody": "x" * 1601}, "FIELD_VALIDATION_FAILED"),
        ({"Context": {"k": " padded "}}, "FIELD_VALIDATION_FAILED"),
    ])
    def test_bad_input_is_a_validation_exception(self, outbox, boto_client, number, overrides, reason):
        client = boto_client("pinpoint-sms-voice-v2", validate=False)
        params = {"DestinationPhoneNumber": PATIENT, "OriginationIdentity": OURS, "MessageBody": BODY, **overrides}
        with pytest.raises(ClientError) as excinfo:
            client.send_text_message(**{k: v for k, v in params.items() if v is not None})
        status, code, response = error_of(excinfo)
        assert (status, code, response["Reason"]) == (400, "ValidationException", reason)
        assert outbox.sms() == []

    def test_an_opted_out_destination_is_a_conflict_and_gets_nothing(self, outbox, sms, number):
        sms.put_opted_out_number(OptOutListName="Default", OptedOutNumber=PATIENT)
        with pytest.raises(ClientError) as excinfo:
            send(sms)
        status, code, response = error_of(excinfo)
        assert (status, code, response["Reason"]) == (400, "ConflictException", "DESTINATION_PHONE_NUMBER_OPTED_OUT")
        send(sms, DestinationPhoneNumber=DOCTOR)
        assert [m["to"] for m in outbox.sms()] == [DOCTOR]

    def test_only_the_numbers_own_opt_out_list_counts(self, outbox, sms, number):
        sms.create_opt_out_list(OptOutListName="clinic")
        sms.put_opted_out_number(OptOutListName="clinic", OptedOutNumber=PATIENT)
        send(sms)  # the number still uses Default
        sms.update_phone_number(PhoneNumberId=number["PhoneNumberId"], OptOutListName="clinic")
        with pytest.raises(ClientError):
            send(sms)
        assert len(outbox.sms()) == 1

    def test_unemulated_members_are_named(self, sms, number):
        with pytest.raises(ClientError) as excinfo:
            send(sms, Keyword="HELP")
        status, code, response = error_of(excinfo)
        assert (status, code) == (501, "NotImplementedException") and "Keyword" in response["Error"]["Message"]


class TestConfigurationSets:
    def test_create_describe_defaults_delete(self, sms):
        created = sms.create_configuration_set(ConfigurationSetName="cs", Tags=[{"Key": "stage", "Value": "x"}])
        assert created["ConfigurationSetArn"] == f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:configuration-set/cs"
        with pytest.raises(ClientError) as excinfo:
            sms.create_configuration_set(ConfigurationSetName="cs")
        assert error_of(excinfo)[2]["Reason"] == "RESOURCE_ALREADY_EXISTS"
        sms.set_default_message_type(ConfigurationSetName="cs", MessageType="TRANSACTIONAL")
        (described,) = sms.describe_configuration_sets(ConfigurationSetNames=["cs"])["ConfigurationSets"]
        assert (described["DefaultMessageType"], described["EventDestinations"]) == ("TRANSACTIONAL", [])
        assert sms.list_tags_for_resource(ResourceArn=created["ConfigurationSetArn"])["Tags"] == [
            {"Key": "stage", "Value": "x"}]
        assert sms.delete_configuration_set(ConfigurationSetName="cs")["ConfigurationSetName"] == "cs"
        with pytest.raises(ClientError) as excinfo:
            sms.describe_configuration_sets(ConfigurationSetNames=["cs"])
        assert error_of(excinfo)[1] == "ResourceNotFoundException"

    def test_pages(self, sms):
        for index in range(3):
            sms.create_configuration_set(ConfigurationSetName=f"cs{index}")
        first = sms.describe_configuration_sets(MaxResults=2)
        rest = sms.describe_configuration_sets(MaxResults=2, NextToken=first["NextToken"])
        names = [c["ConfigurationSetName"] for c in first["ConfigurationSets"] + rest["ConfigurationSets"]]
        assert names == ["cs0", "cs1", "cs2"] and "NextToken" not in rest


class TestOptOutLists:
    def test_the_default_list_exists(self, sms):
        names = [o["OptOutListName"] for o in sms.describe_opt_out_lists()["OptOutLists"]]
        assert names == ["Default"]

    def test_put_describe_delete_numbers(self, sms):
        created = sms.create_opt_out_list(OptOutListName="clinic")
        assert created["OptOutListArn"].endswith(":opt-out-list/clinic")
        put = sms.put_opted_out_number(OptOutListName="clinic", OptedOutNumber=PATIENT)
        assert (put["OptedOutNumber"], put["EndUserOptedOut"]) == (PATIENT, False)
        listed = sms.describe_opted_out_numbers(OptOutListName=created["OptOutListArn"])["OptedOutNumbers"]
        assert [n["OptedOutNumber"] for n in listed] == [PATIENT]
        sms.delete_opted_out_number(OptOutListName="clinic", OptedOutNumber=PATIENT)
        assert sms.describe_opted_out_numbers(OptOutListName="clinic")["OptedOutNumbers"] == []
        with pytest.raises(ClientError) as excinfo:
            sms.delete_opted_out_number(OptOutListName="clinic", OptedOutNumber=PATIENT)
        assert error_of(excinfo)[1] == "ResourceNotFoundException"
        sms.delete_opt_out_list(OptOutListName="clinic")
        with pytest.raises(ClientError) as excinfo:
            sms.put_opted_out_number(OptOutListName="clinic", OptedOutNumber=PATIENT)
        assert error_of(excinfo)[2]["ResourceType"] == "opt-out-list"

    def test_a_list_in_use_cannot_be_deleted(self, sms, number):
        with pytest.raises(ClientError) as excinfo:
            sms.delete_opt_out_list(OptOutListName="Default")
        assert error_of(excinfo)[1] == "ConflictException"


class TestInboundKeywords:
    @pytest.mark.parametrize("body", ["STOP", "stop", " Unsubscribe please", "ARRET", "OPT-OUT", "TD", "quit"])
    def test_opt_out_keywords_put_the_sender_on_the_numbers_list(self, emulator, sms, number, body):
        assert emulator.sms.receive_text(OURS, PATIENT, body) == "opted_out"
        (entry,) = sms.describe_opted_out_numbers(OptOutListName="Default")["OptedOutNumbers"]
        assert (entry["OptedOutNumber"], entry["EndUserOptedOut"]) == (PATIENT, True)
        with pytest.raises(ClientError):
            send(sms)

    def test_start_opts_back_in_and_other_texts_change_nothing(self, emulator, outbox, sms, number):
        assert emulator.sms.receive_text(OURS, PATIENT, "hello, is this the clinic?") == "none"
        assert emulator.sms.receive_text(OURS, PATIENT, "STOP") == "opted_out"
        with pytest.raises(ClientError) as excinfo:  # the recipient's own opt-out is theirs to lift
            sms.delete_opted_out_number(OptOutListName="Default", OptedOutNumber=PATIENT)
        assert error_of(excinfo)[2]["Reason"] == "PHONE_NUMBER_CANNOT_BE_OPTED_IN"
        assert emulator.sms.receive_text(OURS, PATIENT, "unstop") == "opted_in"
        send(sms)
        assert [m["to"] for m in outbox.sms()] == [PATIENT]

    def test_self_managed_opt_outs_are_left_to_the_sender(self, emulator, sms, number):
        sms.update_phone_number(PhoneNumberId=number["PhoneNumberId"], SelfManagedOptOutsEnabled=True)
        assert emulator.sms.receive_text(OURS, PATIENT, "STOP") == "none"
        send(sms)

    def test_unknown_number(self, emulator, sms, number):
        with pytest.raises(UnknownNumber):
            emulator.sms.receive_text("+12025550199", PATIENT, "STOP")


class TestWire:
    def test_unknown_target_and_unimplemented_operation(self, sms, emulator_endpoint):
        signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sms-voice/aws4_request, "
                                   "SignedHeaders=host, Signature=0",
                  "Content-Type": "application/x-amz-json-1.0"}
        unknown = requests.post(emulator_endpoint, data="{}", timeout=10,
                                headers={**signed, "X-Amz-Target": "PinpointSMSVoiceV2.Nothing"})
        assert (unknown.status_code, unknown.json()["__type"]) == (400, "UnknownOperationException")
        with pytest.raises(ClientError) as excinfo:
            sms.send_voice_message(DestinationPhoneNumber=PATIENT, OriginationIdentity=OURS)
        status, code, response = error_of(excinfo)
        assert (status, code) == (501, "NotImplementedException")
        assert response["Error"]["Message"].startswith(
            "The local stack does not implement pinpoint-sms-voice-v2 SendVoiceMessage")
