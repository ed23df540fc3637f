"""The one rule for which phone number may be texted or called."""
import pytest

from telehealth_shared.contact import reachable_number


@pytest.mark.parametrize("attributes, expected", [
    ({"phone_number": "+14155550100"}, "+14155550100"),  # given at sign-up, never verified
    ({"phone_number": "+14155550100", "phone_number_verified": "false"}, "+14155550100"),
    ({"phone_number": "+14155550100", "phone_number_verified": "true"}, "+14155550100"),
    ({"phone_number": "+14155550100", "phone_number_verified": "false", "custom:phone_pending": "true"}, None),
    ({"phone_number": "+14155550100", "phone_number_verified": "true", "custom:phone_pending": "true"}, "+14155550100"),
    ({"phone_number": "+14155550100", "phone_number_verified": "false", "custom:phone_pending": "false"},
     "+14155550100"),
    ({}, None),
    ({"phone_number": ""}, None),
])
def test_reachable_number(attributes, expected):
    assert reachable_number(attributes) == expected
