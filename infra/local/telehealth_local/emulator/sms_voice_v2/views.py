"""The outside world's side of one emulator's End User Messaging SMS: numbers registered outside the API, texts from phones."""
from __future__ import annotations

from typing import Any

from ..core import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, BackendRegistry
from .models import SmsVoiceBackend
from .state import DEFAULT_OPT_OUT_LIST, valid_phone_number


class UnknownNumber(LookupError):
    """No account of the local stack has this phone number."""


class SmsNumbers:
    """Registers origination numbers and receives texts, in whichever account holds the number."""

    def __init__(self, backends: BackendRegistry[SmsVoiceBackend]):
        self._backends = backends

    def register_phone_number(self, number: str, opt_out_list_name: str = DEFAULT_OPT_OUT_LIST, *,
                              account_id: str = DEFAULT_ACCOUNT_ID, region: str = DEFAULT_REGION) -> dict[str, Any]:
        """Register an origination number, as buying and registering one (10DLC, toll-free) does on AWS
        outside the API and outside Terraform; idempotent. Returns its DescribePhoneNumbers entry."""
        if not valid_phone_number(number):
            raise ValueError("the origination number must be a valid E.164 number")
        return self._backends.get(account_id, region).register(number, opt_out_list_name).to_dict()

    def receive_text(self, to: str, sender: str, body: str) -> str:
        """A phone `sender` texts `body` to our number `to`: "opted_out", "opted_in" or "none"."""
        for _, backend in self._backends.items():
            number = backend.number_for(to)
            if number is not None:
                return backend.receive(number, sender, body)
        raise UnknownNumber(to)
