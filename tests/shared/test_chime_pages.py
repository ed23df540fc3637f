"""Following a Chime list call's NextToken (telehealth_shared.chime_pages), on the local emulator."""
import pytest

from telehealth_shared.chime_pages import list_pages
from telehealth_shared.errors import ValidationFailed


@pytest.fixture
def history(channel):
    """A channel holding seven messages, and the request that lists them oldest first."""
    clients, arn, member = channel
    for n in range(7):
        clients.chime_messaging.send_channel_message(
            ChannelArn=arn, ChimeBearer=member, Content=f"m{n}", Type="STANDARD", Persistence="PERSISTENT",
            ClientRequestToken=f"msg-{n}")
    return clients.chime_messaging.list_channel_messages, {"ChannelArn": arn, "ChimeBearer": member,
                                                           "SortOrder": "ASCENDING"}


def contents(listed):
    return [m["Content"] for m in listed.items]


def test_without_a_limit_every_page_is_read(history):
    call, request = history
    listed = list_pages(call, request, "ChannelMessages", page_size=3)
    assert contents(listed) == [f"m{n}" for n in range(7)] and listed.next_token is None


def test_a_limit_stops_early_and_its_token_goes_on_where_it_stopped(history):
    call, request = history
    first = list_pages(call, request, "ChannelMessages", page_size=3, limit=5)
    assert contents(first) == ["m0", "m1", "m2", "m3", "m4"] and first.next_token
    rest = list_pages(call, request, "ChannelMessages", page_size=3, limit=5, next_token=first.next_token)
    assert contents(rest) == ["m5", "m6"] and rest.next_token is None


def test_a_token_chime_refuses_is_the_callers_error_only_when_the_caller_sent_it(history):
    call, request = history
    refused = ValidationFailed("The page token is not valid.")
    with pytest.raises(ValidationFailed) as caught:
        list_pages(call, request, "ChannelMessages", page_size=3, next_token="not-a-token", bad_token=refused)
    assert caught.value is refused
    # Without a meaning of its own the caller gets Chime's error to translate.
    with pytest.raises(Exception) as raw:
        list_pages(call, request, "ChannelMessages", page_size=3, next_token="not-a-token")
    assert raw.value.response["Error"]["Code"] in ("BadRequestException", "BadRequest")
