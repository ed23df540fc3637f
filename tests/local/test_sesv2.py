"""Emulated SES v2: identities, SendEmail into the e-mail outbox (with a code field), refusals, via boto3."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError



@pytest.fixture
def outbox(emulator):
    """The e-mail outbox of this test's emulator."""
    return emulator.outbox


@pytest.fixture
def ses(boto_client):
    return boto_client("sesv2")


def _mail(ses, sender, body="Hello", to=("guest@example.com",)):
    return ses.send_email(FromEmailAddress=sender, Destination={"ToAddresses": list(to)},
                          Content={"Simple": {"Subject": {"Data": "Visit"}, "Body": {"Text": {"Data": body}}}})


def test_mail_from_a_verified_identity_lands_in_the_outbox_with_its_code(outbox, ses):
    ses.create_email_identity(EmailIdentity="no-reply@clinic.example")
    assert ses.get_email_identity(EmailIdentity="no-reply@clinic.example")["VerifiedForSendingStatus"] is True
    assert _mail(ses, "no-reply@clinic.example", "Your join code: Abc-123_xyz")["MessageId"]
    (row,) = [m for m in outbox.email() if m["to"] == "guest@example.com"]
    assert (row["subject"], row["body"], row["code"]) == ("Visit", "Your join code: Abc-123_xyz", "Abc-123_xyz")


def test_an_unverified_sender_is_rejected_and_nothing_is_sent(outbox, ses):
    with pytest.raises(ClientError) as excinfo:
        _mail(ses, "someone@elsewhere.example")
    assert excinfo.value.response["Error"]["Code"] == "MessageRejected"
    assert outbox.email() == []


def test_a_domain_identity_covers_its_addresses_and_duplicates_are_refused(outbox, ses):
    ses.create_email_identity(EmailIdentity="clinic2.example")
    _mail(ses, "desk@clinic2.example")
    assert [m["to"] for m in outbox.email()] == ["guest@example.com"]
    with pytest.raises(ClientError) as excinfo:
        ses.create_email_identity(EmailIdentity="clinic2.example")
    assert excinfo.value.response["Error"]["Code"] == "AlreadyExistsException"
