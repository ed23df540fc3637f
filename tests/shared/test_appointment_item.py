"""The appointment item's writers on a real (moto) table: conditions refuse a wrong transition and
leave the item as it was, each service's writer refuses attributes another service owns, and the
call legs move only from the state they are in."""
from __future__ import annotations

from dataclasses import replace

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from telehealth_shared import appointment_item as item
from telehealth_shared import call_legs
from telehealth_shared.appointment_records import deserialize_item, load_appointment
from telehealth_shared.config import Settings
from telehealth_shared.aws_errors import condition_failed_item, is_condition_failed
from telehealth_shared.item_update import IfAbsent, Increment, Update, attr

TABLE, CALLS = "appointments-test", "calls-test"


class Clients:
    def __init__(self, dynamodb):
        self.dynamodb = dynamodb


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        for name, key in ((TABLE, "appointment_id"), (CALLS, "transaction_id")):
            dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                  KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}])
        yield Clients(dynamodb)


@pytest.fixture
def settings():
    return Settings(region="us-east-1", stage="test", user_pool_id=None, user_pool_client_id=None,
                    jwks_url_override=None, token_issuer_override=None, app_instance_arn=None,
                    app_instance_admin_arn=None, appointments_table=TABLE, calls_table=CALLS, state_machine_arn=None,
                    sms_origination_identity=None, sms_configuration_set=None, sip_media_application_id=None,
                    phone_number=None, reminder_lead_minutes=(), token_leeway_seconds=0)


def _book(aws, settings, status="scheduled", version=1):
    item.scheduling_create(aws, settings, {
        "appointment_id": "a1", "doctor_id": "d1", "doctor_name": "Dr A", "patient_id": "p1", "patient_name": "P",
        "starts_at": "2026-12-02T10:00:00Z", "duration_minutes": 30, "status": status, "presence_doctor": "added",
        "presence_patient": "added", "channel_arn": "arn:channel", "created_at": "2026-12-01T10:00:00Z",
        "version": version})


def _stored(aws):
    return deserialize_item(aws.dynamodb.get_item(TableName=TABLE, Key=item.key("a1"), ConsistentRead=True)["Item"])


def _close(aws, settings, status, expected_version):
    return item.scheduling_write(
        aws, settings, "a1", Update(set={"status": status, "version": expected_version + 1}),
        condition=attr("status").is_in(["scheduled", "in_progress"]) & attr("version").eq(expected_version),
        return_new=True, old_on_failure=True)


def test_a_closing_write_moves_an_open_visit_and_returns_the_new_item(aws, settings):
    _book(aws, settings)
    new = deserialize_item(_close(aws, settings, "completed", 1))
    assert (new["status"], new["version"]) == ("completed", 2)
    assert load_appointment(aws, settings, "a1").status == "completed"


def test_a_wrong_transition_is_refused_and_changes_nothing(aws, settings):
    _book(aws, settings, status="cancelled", version=2)
    before = _stored(aws)
    with pytest.raises(ClientError) as refused:
        _close(aws, settings, "completed", 2)
    assert is_condition_failed(refused.value)
    # The item as it was comes back with the refusal, so the caller needs no second read.
    assert deserialize_item(condition_failed_item(refused.value))["status"] == "cancelled"
    assert _stored(aws) == before


def test_a_stale_version_is_refused(aws, settings):
    _book(aws, settings, version=3)
    with pytest.raises(ClientError) as refused:
        _close(aws, settings, "completed", 2)
    assert is_condition_failed(refused.value) and _stored(aws)["status"] == "scheduled"


def test_the_first_check_in_time_stays_and_increment_counts(aws, settings):
    _book(aws, settings)
    for at in ("2026-12-02T09:55:00Z", "2026-12-02T09:58:00Z"):
        item.messaging_write(aws, settings, "a1", Update(set={"presence_patient": "checked_in",
                                                              "presence_patient_checked_in_at": IfAbsent(at)}))
    item.scheduling_write(aws, settings, "a1", Update(set={"version": Increment()}))
    stored = _stored(aws)
    assert stored["presence_patient_checked_in_at"] == "2026-12-02T09:55:00Z" and stored["version"] == 2


def test_sets_and_nested_paths_are_written_as_given(aws, settings):
    _book(aws, settings)
    user_id = "user.with.dots"  # a path segment is never split
    item.calling_write(aws, settings, "a1", Update(set={"meeting_id": "m1", "meeting_attendees": {user_id: "{}"}},
                                                   add={"meeting_admitted": {"x", "y"}}))
    item.calling_write(aws, settings, "a1", Update(delete={"meeting_admitted": {"x"}},
                                                   remove=(("meeting_attendees", user_id),)),
                       condition=attr("meeting_id").eq("m1"))
    stored = _stored(aws)
    assert stored["meeting_admitted"] == {"y"} and stored["meeting_attendees"] == {}


@pytest.mark.parametrize("writer, update", [
    (item.messaging_write, Update(set={"status": "cancelled"})),
    (item.messaging_write, Update(set={"meeting_id": "m1"})),
    (item.scheduling_write, Update(remove=("meeting_id",))),
    (item.scheduling_write, Update(set={"presence_patient": "checked_in"})),
    (item.calling_write, Update(set={"status": "completed"})),
    (item.calling_write, Update(set={"starts_at": "2026-12-03T10:00:00Z"})),
    (item.calling_write, Update(set={("guest_g1", "name"): "Someone else"})),
])
def test_a_writer_refuses_what_another_service_owns_before_any_call(aws, settings, writer, update):
    _book(aws, settings)
    before = _stored(aws)
    with pytest.raises(item.NotOwner):
        writer(aws, settings, "a1", update)
    assert _stored(aws) == before


def test_calling_starts_a_visit_and_joins_a_guest(aws, settings):
    _book(aws, settings)
    item.scheduling_write(aws, settings, "a1", Update(set={"guest_g1": {"name": "G", "status": "invited"}}))
    item.calling_write(aws, settings, "a1", Update(set={"status": "in_progress", ("guest_g1", "status"): "joined"}),
                       condition=attr("guest_g1.status").eq("invited"))
    stored = _stored(aws)
    assert stored["status"] == "in_progress" and stored["guest_g1"] == {"name": "G", "status": "joined"}


def test_a_transaction_entry_carries_the_same_condition(aws, settings):
    _book(aws, settings, status="cancelled")
    entry = item.scheduling_transact_update(settings, "a1", Update(set={"guest_g1": {"status": "invited"}}),
                                            condition=attr("status").is_in(["scheduled", "in_progress"]))
    with pytest.raises(ClientError) as refused:
        aws.dynamodb.transact_write_items(TransactItems=[entry])
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert "guest_g1" not in _stored(aws)


def test_a_call_leg_moves_only_from_the_state_it_is_in(aws, settings):
    aws.dynamodb.put_item(TableName=CALLS, Item={"transaction_id": {"S": "t1"}, "status": {"S": call_legs.DIALING}})
    assert call_legs.mark_joined(aws, settings, "t1", "m1", "att1")
    assert not call_legs.mark_joined(aws, settings, "t1", "m1", "att2")  # a repeated digit
    assert not call_legs.mark_declined(aws, settings, "t1")  # a late hang-up before joining
    stored = aws.dynamodb.get_item(TableName=CALLS, Key={"transaction_id": {"S": "t1"}})["Item"]
    assert (stored["status"]["S"], stored["attendee_id"]["S"]) == (call_legs.JOINED, "att1")
    assert call_legs.mark_hung_up(aws, settings, "t1")
    assert not call_legs.mark_hung_up(aws, settings, "t1")


def test_hanging_up_needs_a_deployed_sip_media_application(aws, settings):
    assert call_legs.hang_up_calls(aws, replace(settings, sip_media_application_id=None), "a1") == 0


@pytest.mark.parametrize("service", ["scheduling", "messaging", "calling"])
def test_each_service_writes_the_item_only_through_its_own_writer(service):
    from pathlib import Path

    foreign = [f"{other}_" for other in item.OWNED if other != service]
    for module in (Path(__file__).resolve().parents[2] / "services" / service / "chalicelib").glob("*.py"):
        text = module.read_text()
        assert ".update_item(" not in text, f"{module.name} writes DynamoDB items around the writers"
        for prefix in foreign:
            for writer in ("write", "create", "transact_update"):
                assert f"{prefix}{writer}" not in text, f"{module.name} uses {prefix}{writer}"
