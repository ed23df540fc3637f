"""The Chime channel helpers: user ARNs, the metadata convention and posting, on the local emulator."""
import json

import pytest

from telehealth_shared.chime_channel import decode_metadata, encode_metadata, post_message, request_token, user_arn
from telehealth_shared.config import Settings

APP = "arn:aws:chime:us-east-1:123456789012:app-instance/a1"


def settings(app_instance_arn=APP):
    return Settings(region="us-east-1", stage="test", user_pool_id=None, user_pool_client_id=None,
                    jwks_url_override=None, token_issuer_override=None, app_instance_arn=app_instance_arn,
                    app_instance_admin_arn=None, appointments_table=None, calls_table=None, state_machine_arn=None,
                    sms_origination_identity=None, sms_configuration_set=None, sip_media_application_id=None,
                    phone_number=None, reminder_lead_minutes=(), token_leeway_seconds=30)


def test_user_arn_is_the_app_instance_user_of_the_cognito_sub():
    assert user_arn(settings(), "3f1c-sub") == APP + "/user/3f1c-sub"
    from telehealth_shared.errors import ConfigurationError
    with pytest.raises(ConfigurationError):
        user_arn(settings(app_instance_arn=None), "3f1c-sub")


def test_metadata_is_compact_json_keeping_non_ascii_and_reads_back():
    raw = encode_metadata("chat", client_id="c-1", data={"note": "Grüße"})
    assert raw == '{"kind":"chat","client_id":"c-1","data":{"note":"Grüße"}}'
    decoded = decode_metadata(raw)
    assert (decoded.kind, decoded.client_id, decoded.data) == ("chat", "c-1", {"note": "Grüße"})
    assert decode_metadata("not json").kind == "chat" and decode_metadata(None).kind == "chat"


def test_request_tokens_are_stable_per_post_and_fit_chime():
    token = request_token("txn-1", "declined")
    assert token == request_token("txn-1", "declined") != request_token("txn-1", "accepted")
    assert token != request_token("txn-1declined") and len(token) == 64 and token.isalnum()


def test_posted_message_is_stored_with_its_metadata_and_sent_with_the_token(channel):
    clients, arn, member = channel
    sent = []

    def keep_body(request, **_):
        if request.url.endswith("/messages"):
            sent.append(json.loads(request.body))

    clients.chime_messaging.meta.events.register("before-send.chime-sdk-messaging.SendChannelMessage", keep_body)
    token = request_token("txn-1", "declined")
    metadata = encode_metadata("meeting", data={"status": "declined", "note": "é"})
    message_id = post_message(clients, channel_arn=arn, bearer=member, content="Declined", metadata=metadata,
                              token=token)
    random_id = post_message(clients, channel_arn=arn, bearer=member, content="Hello", metadata=encode_metadata("chat"))
    # The named post carries its token; an unnamed one gets a fresh token of its own.
    assert sent[0]["ClientRequestToken"] == token
    assert sent[1]["ClientRequestToken"] and sent[1]["ClientRequestToken"] != token
    stored = clients.chime_messaging.list_channel_messages(ChannelArn=arn, ChimeBearer=member,
                                                           SortOrder="ASCENDING")["ChannelMessages"]
    assert [(m["MessageId"], m["Content"], m["Type"]) for m in stored] == [
        (message_id, "Declined", "STANDARD"), (random_id, "Hello", "STANDARD")]
    assert decode_metadata(stored[0]["Metadata"]).data == {"status": "declined", "note": "é"}
