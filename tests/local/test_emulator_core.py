"""Unit tests of the emulator framework: routing, input parsing, validation, rendering, pagination, dispatch."""
from __future__ import annotations

import datetime as dt
import io
import json
import sys
import types

import pytest
from werkzeug.test import Client

from telehealth_local.emulator.core import BackendRegistry, Dispatcher, EmulatedService, load_package, paginate
from telehealth_local.emulator.core.deserialize import parse_input
from telehealth_local.emulator.core.ownership import chime_service_for_arn
from telehealth_local.emulator.core.pagination import MAX_TOKEN_LENGTH, decode_token, encode_token
from telehealth_local.emulator.core.request import (
    EmulatedRequest,
    account_for_access_key,
    credential_scope,
    from_environ,
    raw_target,
)
from telehealth_local.emulator.core.routing import RouteTable, parse_query, parse_request_uri
from telehealth_local.emulator.core.serialize import render_error, render_output
from telehealth_local.emulator.core.service_models import service_model
from telehealth_local.emulator.core.validation import compiled_pattern, validate
from telehealth_local.emulator.errors import AwsServiceError

CHIME = ["chime-sdk-identity", "chime-sdk-messaging", "chime-sdk-meetings", "chime-sdk-voice"]
CHANNEL = "arn:aws:chime:us-east-1:123456789012:app-instance/abc/channel/c1"
ENCODED_CHANNEL = "arn%3Aaws%3Achime%3Aus-east-1%3A123456789012%3Aapp-instance%2Fabc%2Fchannel%2Fc1"
USER = "arn:aws:chime:us-east-1:123456789012:app-instance/abc/user/u1"


def auth_header(service: str, region: str = "us-east-1", key: str = "testing") -> str:
    return (f"AWS4-HMAC-SHA256 Credential={key}/20240101/{region}/{service}/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=00")


@pytest.fixture(scope="module")
def table() -> RouteTable:
    return RouteTable([*CHIME, "pinpoint"])


def resolve(table: RouteTable, method: str, target: str, services=None) -> list[tuple[str, str, dict]]:
    path, _, query = target.partition("?")
    return [(r.service, r.operation, labels) for r, labels in table.candidates(method, path, parse_query(query), services)]


# --- routing -------------------------------------------------------------------------------

def test_query_literal_routes_beat_the_bare_path(table):
    assert resolve(table, "GET", "/channels?app-instance-arn=x") == [("chime-sdk-messaging", "ListChannels", {})]
    assert resolve(table, "GET", "/channels?scope=app-instance-user-memberships&app-instance-user-arn=x") == [
        ("chime-sdk-messaging", "ListChannelMembershipsForAppInstanceUser", {})]
    assert resolve(table, "GET", "/channels?scope=app-instance-user-moderated-channels") == [
        ("chime-sdk-messaging", "ListChannelsModeratedByAppInstanceUser", {})]


def test_batch_create_needs_its_operation_literal(table):
    base = f"/channels/{ENCODED_CHANNEL}/memberships"
    assert resolve(table, "POST", base)[0][1] == "CreateChannelMembership"
    assert resolve(table, "POST", base + "?operation=batch-create")[0][1] == "BatchCreateChannelMembership"
    assert resolve(table, "POST", base + "?operation=something-else")[0][1] == "CreateChannelMembership"


def test_required_query_literal_must_be_present(table):
    message = f"/channels/{ENCODED_CHANNEL}/messages/m1"
    assert resolve(table, "POST", message + "?operation=redact")[0][1] == "RedactChannelMessage"
    assert resolve(table, "POST", message) == []


def test_percent_encoded_arn_is_one_decoded_label(table):
    found = resolve(table, "POST", f"/channels/{ENCODED_CHANNEL}/messages")
    assert found == [("chime-sdk-messaging", "SendChannelMessage", {"channelArn": CHANNEL})]
    # An ARN whose '/' is not encoded is several segments, which no route has.
    assert resolve(table, "POST", f"/channels/{CHANNEL}/messages") == []


def test_two_arn_labels_in_one_path(table):
    encoded_user = USER.replace(":", "%3A").replace("/", "%2F")
    found = resolve(table, "GET", f"/channels/{ENCODED_CHANNEL}/memberships/{encoded_user}")
    assert found == [("chime-sdk-messaging", "DescribeChannelMembership", {"channelArn": CHANNEL, "memberArn": USER})]


def test_identity_and_messaging_share_the_app_instances_prefix(table):
    assert resolve(table, "GET", "/app-instances/x/admins")[0][:2] == ("chime-sdk-identity", "ListAppInstanceAdmins")
    assert resolve(table, "GET", "/app-instances/x/streaming-configurations")[0][:2] == (
        "chime-sdk-messaging", "GetMessagingStreamingConfigurations")
    assert resolve(table, "GET", "/app-instances/x")[0][:2] == ("chime-sdk-identity", "DescribeAppInstance")


def test_tags_route_is_shared_by_the_four_chime_services_only(table):
    found = resolve(table, "GET", "/tags?arn=x")
    assert sorted(service for service, _, _ in found) == sorted(CHIME)


def test_pinpoint_routes(table):
    assert resolve(table, "POST", "/v1/apps/app-1/messages") == [
        ("pinpoint", "SendMessages", {"application-id": "app-1"})]


def test_greedy_label_takes_the_rest_of_the_path():
    route = parse_request_uri("svc", "GetObject", "GET", "/objects/{Key+}")
    assert route.match("GET", ["objects", "a", "b%2Fc"], {}) == {"Key": "a/b/c"}
    assert route.match("GET", ["objects"], {}) is None
    literal = parse_request_uri("svc", "GetSpecial", "GET", "/objects/special")
    assert literal.specificity > route.specificity


def test_mixed_label_segment_is_refused():
    with pytest.raises(ValueError):
        parse_request_uri("svc", "Op", "GET", "/files/{Name}.json")


def test_tags_arn_ownership():
    assert chime_service_for_arn("arn:aws:chime:us-east-1:1:app-instance/a") == "chime-sdk-identity"
    assert chime_service_for_arn("arn:aws:chime:us-east-1:1:app-instance/a/user/u") == "chime-sdk-identity"
    assert chime_service_for_arn(CHANNEL) == "chime-sdk-messaging"
    assert chime_service_for_arn("arn:aws:chime:us-east-1:1:meeting/m") == "chime-sdk-meetings"
    assert chime_service_for_arn("arn:aws:chime:us-east-1:1:sma/s") == "chime-sdk-voice"
    assert chime_service_for_arn("arn:aws:sns:us-east-1:1:topic") is None


# --- requests --------------------------------------------------------------------------------

def test_credential_scope_from_header_and_presigned_query():
    scope = credential_scope({"HTTP_AUTHORIZATION": auth_header("chime", "eu-west-1", "AKID")})
    assert (scope.access_key, scope.region, scope.service) == ("AKID", "eu-west-1", "chime")
    presigned = {"QUERY_STRING": "X-Amz-Credential=AKID%2F20240101%2Fus-west-2%2Fchime%2Faws4_request"}
    assert credential_scope(presigned).region == "us-west-2"
    assert credential_scope({}) is None


def test_region_falls_back_to_us_east_1_and_account_to_the_default():
    request = from_environ({"REQUEST_METHOD": "GET", "RAW_URI": "/x"})
    assert (request.region, request.account_id) == ("us-east-1", "123456789012")


def test_account_comes_from_moto_when_moto_is_loaded(monkeypatch):
    fake = types.SimpleNamespace(get_account_id_from=lambda key: "999999999999" if key == "AKIDX" else "123456789012")
    monkeypatch.setitem(sys.modules, "moto.iam.models", fake)
    assert account_for_access_key("AKIDX") == "999999999999"
    assert account_for_access_key("testing") == "123456789012"


def test_raw_target_keeps_percent_encoding():
    assert raw_target({"RAW_URI": "/channels/a%2Fb?x=1"}) == ("/channels/a%2Fb", "x=1")
    assert raw_target({"REQUEST_URI": "http://host:1/p%3A?q"}) == ("/p%3A", "q")


# --- input parsing ----------------------------------------------------------------------------

def request_with(target: str, body: bytes = b"", headers: dict | None = None, method: str = "GET") -> EmulatedRequest:
    environ = {"REQUEST_METHOD": method, "RAW_URI": target, "wsgi.input": io.BytesIO(body),
               "CONTENT_LENGTH": str(len(body))}
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return from_environ(environ)


def test_query_header_and_label_members_are_typed():
    operation = service_model("chime-sdk-messaging").operation_model("ListChannelMessages")
    request = request_with("/x?sort-order=ASCENDING&not-before=2024-01-02T03:04:05Z&max-results=7&next-token=t",
                           headers={"x-amz-chime-bearer": USER})
    params = parse_input(operation, request, {"channelArn": CHANNEL})
    assert params == {
        "ChannelArn": CHANNEL, "SortOrder": "ASCENDING",
        "NotBefore": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        "MaxResults": 7, "NextToken": "t", "ChimeBearer": USER,
    }


def test_body_members_keep_non_ascii_text_and_nested_shapes():
    operation = service_model("chime-sdk-messaging").operation_model("CreateChannel")
    body = json.dumps({"AppInstanceArn": "a", "Name": "caf\u00e9", "ClientRequestToken": "tok",
                       "Tags": [{"Key": "k", "Value": "v"}], "Unknown": 1}).encode()
    params = parse_input(operation, request_with("/channels", body, method="POST"), {})
    assert params == {"AppInstanceArn": "a", "Name": "café", "ClientRequestToken": "tok",
                      "Tags": [{"Key": "k", "Value": "v"}]}


def test_wrong_json_type_and_bad_json_are_bad_requests():
    operation = service_model("chime-sdk-messaging").operation_model("CreateChannel")
    with pytest.raises(AwsServiceError) as wrong:
        parse_input(operation, request_with("/channels", b'{"Name": 5}', method="POST"), {})
    assert (wrong.value.status, wrong.value.error_type) == (400, "BadRequestException")
    assert "Name" in wrong.value.message
    with pytest.raises(AwsServiceError) as broken:
        parse_input(operation, request_with("/channels", b"{nope", method="POST"), {})
    assert broken.value.code == "BadRequest"


def test_bad_query_integer_is_a_bad_request():
    operation = service_model("chime-sdk-messaging").operation_model("ListChannels")
    with pytest.raises(AwsServiceError) as raised:
        parse_input(operation, request_with("/channels?max-results=ten"), {})
    assert "MaxResults" in raised.value.message


def test_payload_member_is_the_whole_body():
    operation = service_model("pinpoint").operation_model("SendMessages")
    body = json.dumps({"MessageConfiguration": {"SMSMessage": {"Body": "hi"}}}).encode()
    params = parse_input(operation, request_with("/v1/apps/a/messages", body, method="POST"), {"application-id": "a"})
    assert params == {"ApplicationId": "a", "MessageRequest": {"MessageConfiguration": {"SMSMessage": {"Body": "hi"}}}}


# --- validation -------------------------------------------------------------------------------

def violations(service: str, operation: str, params: dict) -> str:
    shape = service_model(service).operation_model(operation).input_shape
    with pytest.raises(AwsServiceError) as raised:
        validate(shape, params)
    assert raised.value.status == 400 and raised.value.code == "BadRequest"
    return raised.value.message


VALID_CHANNEL = {"AppInstanceArn": "arn:aws:chime:us-east-1:1:app-instance/a", "Name": "n",
                 "ClientRequestToken": "tok", "ChimeBearer": USER}


def test_valid_input_passes():
    validate(service_model("chime-sdk-messaging").operation_model("CreateChannel").input_shape, dict(VALID_CHANNEL))


def test_required_member_message_names_the_member():
    params = dict(VALID_CHANNEL)
    del params["ChimeBearer"]
    assert violations("chime-sdk-messaging", "CreateChannel", params) == (
        "1 validation error detected: Value null at 'ChimeBearer' failed to satisfy constraint: "
        "Member must not be null")


def test_length_enum_pattern_and_list_size_messages():
    message = violations("chime-sdk-messaging", "CreateChannel", {
        **VALID_CHANNEL, "Metadata": "m" * 1025, "Mode": "OPEN", "ChannelId": "-bad",
        "MemberArns": [USER] * 11,
    })
    assert message.startswith("4 validation errors detected: ")
    assert "Value at 'Metadata' failed to satisfy constraint: Member must have length less than or equal to 1024" in message
    assert "Value at 'Mode' failed to satisfy constraint: Member must satisfy enum value set: [UNRESTRICTED, RESTRICTED]" in message
    assert "Value at 'ChannelId' failed to satisfy constraint: Member must satisfy regular expression pattern" in message
    assert "Value at 'MemberArns' failed to satisfy constraint: Member must have length less than or equal to 10" in message


def test_nested_members_and_integer_ranges():
    message = violations("chime-sdk-messaging", "CreateChannel", {
        **VALID_CHANNEL, "Tags": [{"Key": "", "Value": "v"}],
        "ExpirationSettings": {"ExpirationDays": 0, "ExpirationCriterion": "CREATED_TIMESTAMP"},
    })
    assert "'Tags[0].Key'" in message and "length greater than or equal to 1" in message
    assert "'ExpirationSettings.ExpirationDays'" in message and "value greater than or equal to 1" in message


def test_lengths_count_characters_after_json_decoding():
    shape = service_model("chime-sdk-identity").operation_model("CreateAppInstanceUser").input_shape
    params = {"AppInstanceArn": "arn:aws:chime:us-east-1:1:app-instance/a", "AppInstanceUserId": "u",
              "ClientRequestToken": "tok", "Name": "\u00e9" * 100}
    validate(shape, params)  # 100 characters (200 UTF-8 bytes) is within Name's 100
    assert "'Name'" in violations("chime-sdk-identity", "CreateAppInstanceUser", {**params, "Name": "\u00e9" * 101})


def test_pattern_is_a_full_match():
    params = {"AppInstanceArn": "arn:aws:chime:us-east-1:1:app-instance/a", "ClientRequestToken": "tok", "Name": "n"}
    assert "'AppInstanceUserId'" in violations("chime-sdk-identity", "CreateAppInstanceUser",
                                               {**params, "AppInstanceUserId": "ok but spaces"})


def test_java_style_astral_escapes_are_understood():
    regex = compiled_pattern(service_model("chime-sdk-messaging").shape_for("NonEmptyResourceName").metadata["pattern"])
    assert regex.fullmatch("Visit \U0001F600 caf\u00e9")
    assert regex.fullmatch("bell\u0007") is None


def test_uncompilable_model_pattern_is_skipped_not_fatal():
    assert compiled_pattern("^[-_a-zA-Z0-9]*${2,64}$") is None


# --- rendering --------------------------------------------------------------------------------

def test_output_keeps_modelled_members_and_epoch_timestamps():
    operation = service_model("chime-sdk-identity").operation_model("DescribeAppInstance")
    created = dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.timezone.utc)
    response = render_output(operation, {"AppInstance": {"AppInstanceArn": "a", "Name": "n", "Secret": "x",
                                                         "CreatedTimestamp": created}, "Extra": 1}, "rid")
    assert response.status == 200
    assert json.loads(response.body) == {"AppInstance": {"AppInstanceArn": "a", "Name": "n",
                                                         "CreatedTimestamp": 1704164645.678}}


def test_create_is_201_and_delete_is_204_without_body():
    model = service_model("chime-sdk-messaging")
    assert render_output(model.operation_model("CreateChannel"), {"ChannelArn": "c"}, "r").status == 201
    deleted = render_output(model.operation_model("DeleteChannel"), None, "r")
    assert (deleted.status, deleted.body) == (204, b"")


def test_error_bodies_follow_each_services_exception_shape():
    error = AwsServiceError("NotFound", "gone", 404, "NotFoundException")
    for service, body in [
        ("chime-sdk-messaging", {"Code": "NotFound", "Message": "gone"}),
        ("chime-sdk-meetings", {"Code": "NotFound", "Message": "gone", "RequestId": "rid"}),
        ("pinpoint", {"Message": "gone", "RequestID": "rid"}),
        ("chime-sdk-voice", {"Code": "NotFound", "Message": "gone"}),
    ]:
        response = render_error(service_model(service), error, "rid")
        assert response.status == 404
        assert response.headers["x-amzn-ErrorType"] == "NotFoundException"
        assert json.loads(response.body) == body


@pytest.mark.parametrize("service, module", [
    ("chime-sdk-identity", "telehealth_local.emulator.chime_identity.exceptions"),
    ("chime-sdk-messaging", "telehealth_local.emulator.chime_messaging.exceptions"),
])
def test_exception_classes_match_the_model(service, module):
    import importlib

    exceptions = importlib.import_module(module)
    for shape in service_model(service).error_shapes:
        error = getattr(exceptions, shape.name)("m")
        assert error.error_type == shape.name
        assert error.status == shape.metadata["error"]["httpStatusCode"]
        assert error.code in service_model(service).shape_for("ErrorCode").enum


# --- pagination -------------------------------------------------------------------------------

def test_pages_follow_a_cursor_not_an_offset():
    items = list(range(1, 8))
    page, token = paginate(items, key=lambda i: i, max_results=3, next_token=None, scope="s")
    assert page == [1, 2, 3] and token
    items.remove(2)  # a deletion between pages must not skip or repeat items
    page, token = paginate(items, key=lambda i: i, max_results=3, next_token=token, scope="s")
    assert page == [4, 5, 6]
    page, token = paginate(items, key=lambda i: i, max_results=3, next_token=token, scope="s")
    assert (page, token) == ([7], None)


def test_descending_pages():
    items = [9, 7, 5, 3]
    page, token = paginate(items, key=lambda i: i, max_results=2, next_token=None, scope="s", descending=True)
    assert page == [9, 7]
    assert paginate(items, key=lambda i: i, max_results=2, next_token=token, scope="s", descending=True) == ([5, 3], None)


@pytest.mark.parametrize("token", ["garbage!!", "", "eyJ2IjoyfQ==", encode_token("other-scope", 1)])
def test_foreign_or_garbage_tokens_are_bad_requests(token):
    with pytest.raises(AwsServiceError) as raised:
        decode_token("scope", token)
    assert raised.value.code == "BadRequest"


def test_tokens_fit_the_model_limit():
    assert len(encode_token("s", "k" * 1000)) <= MAX_TOKEN_LENGTH


# --- state ------------------------------------------------------------------------------------

def test_registry_keeps_one_backend_per_account_and_region():
    registry = BackendRegistry(lambda account, region: {"where": (account, region)})
    assert registry.get("1", "us-east-1") is registry.get("1", "us-east-1")
    assert registry.get("1", "eu-west-1")["where"] == ("1", "eu-west-1")
    assert registry.peek("2", "us-east-1") is None
    first = registry.get("1", "us-east-1")
    registry.reset()
    assert registry.get("1", "us-east-1") is not first


# --- dispatch, with a package written against the backend contract -----------------------------

class FakePinpoint:
    def __init__(self, account_id: str, region: str):
        self.account_id, self.region = account_id, region
        self.sent: list[dict] = []

    def send_messages(self, ApplicationId: str, MessageRequest: dict) -> dict:
        self.sent.append(MessageRequest)
        return {"MessageResponse": {"ApplicationId": ApplicationId, "RequestId": "r1",
                                    "Result": {a: {"DeliveryStatus": "SUCCESSFUL", "StatusCode": 200}
                                               for a in MessageRequest.get("Addresses", {})}}}

    def get_app(self, ApplicationId: str) -> dict:
        raise RuntimeError(f"backend bug mentioning request data {ApplicationId}")


@pytest.fixture
def fake_pinpoint(monkeypatch):
    package = types.ModuleType("fake_pinpoint")
    package.__path__ = []
    responses = types.ModuleType("fake_pinpoint.responses")
    responses.OPERATIONS = {"SendMessages": "send_messages", "GetApp": "get_app"}
    responses.BACKEND = FakePinpoint
    monkeypatch.setitem(sys.modules, "fake_pinpoint", package)
    monkeypatch.setitem(sys.modules, "fake_pinpoint.responses", responses)
    return BackendRegistry(FakePinpoint)


@pytest.fixture
def emulator(fake_pinpoint) -> Dispatcher:
    return Dispatcher([
        EmulatedService("chime-sdk-identity", "telehealth_local.emulator.chime_identity"),
        EmulatedService("chime-sdk-meetings", "no_such_package_for_meetings"),
        EmulatedService("pinpoint", "fake_pinpoint", exclusive=False),
    ], {"pinpoint": fake_pinpoint})


def test_backend_gets_typed_members_and_payload_renders_bare(emulator, fake_pinpoint):
    client = Client(emulator)
    request = {"Addresses": {"+15550001111": {"ChannelType": "SMS"}},
               "MessageConfiguration": {"SMSMessage": {"Body": "hi", "MessageType": "TRANSACTIONAL"}}}
    response = client.post("/v1/apps/app-1/messages", json=request,
                           headers={"Authorization": auth_header("mobiletargeting", "eu-west-1")})
    assert response.status_code == 200
    assert response.get_json()["Result"]["+15550001111"]["DeliveryStatus"] == "SUCCESSFUL"
    assert fake_pinpoint.get("123456789012", "eu-west-1").sent == [request]
    assert fake_pinpoint.peek("123456789012", "us-east-1") is None


def test_validation_runs_before_the_backend(emulator, fake_pinpoint):
    response = Client(emulator).post("/v1/apps/app-1/messages", json={"Addresses": {}},
                                     headers={"Authorization": auth_header("mobiletargeting")})
    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "BadRequestException"
    body = response.get_json()
    assert set(body) == {"Message", "RequestID"} and "MessageConfiguration" in body["Message"]
    assert fake_pinpoint.peek("123456789012", "us-east-1") is None  # the backend was never reached


def test_backend_crash_is_a_500_without_leaking_the_message(emulator, caplog):
    response = Client(emulator).get("/v1/apps/patient-15550001111",
                                    headers={"Authorization": auth_header("mobiletargeting")})
    assert response.status_code == 500
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert "15550001111" not in response.get_data(as_text=True)
    assert "15550001111" not in caplog.text and "RuntimeError" in caplog.text


def test_unimplemented_operations_and_missing_packages_answer_501(emulator):
    client = Client(emulator)
    bots = client.get("/app-instance-bots", headers={"Authorization": auth_header("chime")})
    assert bots.status_code == 501
    assert bots.headers["x-amzn-ErrorType"] == "NotImplementedException"
    assert "ListAppInstanceBots" in bots.get_json()["Message"]
    meeting = client.get("/meetings/0b7b0f0e-8a59-4c3c-a0a4-1a2b3c4d5e6f", headers={"Authorization": auth_header("chime")})
    assert meeting.status_code == 501 and meeting.get_json()["Code"] == "NotImplemented"


def test_unknown_path_signed_for_chime_is_404(emulator):
    response = Client(emulator).get("/nothing-here", headers={"Authorization": auth_header("chime")})
    assert response.status_code == 404
    assert response.headers["x-amzn-ErrorType"] == "UnknownOperationException"


def test_is_emulated_request(emulator):
    def environ(method, target, service=None):
        env = {"REQUEST_METHOD": method, "RAW_URI": target, "QUERY_STRING": target.partition("?")[2]}
        if service:
            env["HTTP_AUTHORIZATION"] = auth_header(service)
        return env

    assert emulator.is_emulated(environ("GET", "/anything", "chime"))  # moto has no Chime SDK
    assert emulator.is_emulated(environ("POST", "/v1/apps/a/messages", "mobiletargeting"))
    assert not emulator.is_emulated(environ("GET", "/v1/apps", "mobiletargeting"))  # moto's GetApps
    assert not emulator.is_emulated(environ("POST", "/", "dynamodb"))
    assert emulator.is_emulated(environ("GET", "/app-instances"))  # unsigned: by path
    assert not emulator.is_emulated(environ("GET", "/2015-03-31/functions"))
    assert emulator.is_emulated(environ("GET", "/tags?arn=arn%3Aaws%3Achime%3Aus-east-1%3A1%3Aapp-instance%2Fa"))
    assert not emulator.is_emulated(environ("GET", "/tags?arn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3Atopic"))


def test_is_emulated_never_reads_the_body(emulator):
    class Exploding(io.BytesIO):
        def read(self, *args):
            raise AssertionError("body read")

    env = {"REQUEST_METHOD": "POST", "RAW_URI": "/tags?operation=tag-resource", "wsgi.input": Exploding(),
           "CONTENT_LENGTH": "10"}
    assert emulator.is_emulated(env) is False


def test_shared_tags_route_goes_to_the_arn_owner(emulator):
    client = Client(emulator)
    meeting_arn = "arn%3Aaws%3Achime%3Aus-east-1%3A123456789012%3Ameeting%2Fm1"
    response = client.get(f"/tags?arn={meeting_arn}", headers={"Authorization": auth_header("chime")})
    assert response.status_code == 501 and "chime-sdk-meetings" in response.get_json()["Message"]
    identity_arn = "arn%3Aaws%3Achime%3Aus-east-1%3A123456789012%3Aapp-instance%2Fnope"
    response = client.get(f"/tags?arn={identity_arn}", headers={"Authorization": auth_header("chime")})
    assert response.status_code == 404 and response.get_json()["Code"] == "NotFound"


def test_package_contract_is_checked_at_load(monkeypatch):
    responses = types.ModuleType("broken_pkg.responses")
    responses.OPERATIONS = {"CreateChannel": "create_channel", "NoSuchOperation": "x"}
    responses.BACKEND = FakePinpoint
    monkeypatch.setitem(sys.modules, "broken_pkg", types.ModuleType("broken_pkg"))
    monkeypatch.setitem(sys.modules, "broken_pkg.responses", responses)
    with pytest.raises(ImportError, match="NoSuchOperation"):
        load_package("chime-sdk-messaging", "broken_pkg")
    responses.OPERATIONS = {"CreateChannel": "create_channel"}
    with pytest.raises(ImportError, match="create_channel"):
        load_package("chime-sdk-messaging", "broken_pkg")
    assert load_package("chime-sdk-meetings", "no_such_package_anywhere") is None


def test_trailing_arn_label_accepts_an_unencoded_arn_like_the_go_sdk_sends():
    from telehealth_local.emulator.core.routing import parse_request_uri, split_raw_path

    route = parse_request_uri("pinpoint", "ListTagsForResource", "GET", "/v1/tags/{resource-arn}")
    arn = "arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc"
    assert route.match("GET", split_raw_path("/v1/tags/" + arn), {}) == {"resource-arn": arn}
    assert route.match("GET", split_raw_path("/v1/tags/arn%3Aaws%3Amobiletargeting%3Aus-east-1%3A1%3Aapps%2Fabc"), {}) \
        == {"resource-arn": "arn:aws:mobiletargeting:us-east-1:1:apps/abc"}
    # Only an ARN may absorb more segments.
    assert route.match("GET", split_raw_path("/v1/tags/not-an-arn/extra"), {}) is None
