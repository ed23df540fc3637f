"""The local stack's control API under /_local/: the outside world (phones, SMS, e-mail) for
tests and developers, as docs/api/README.md lists them, plus a few
extensions (clearing the outboxes, one call with its full event log, the stack's outputs, the
Lambda workers' process ids)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..emulator.chime_voice import CallInputError, CallNotFound, CallStateError
from ..emulator.core.request import DEFAULT_REGION, account_for_access_key
from ..emulator.sms_voice_v2 import UnknownNumber
from ..layout import CREDENTIALS
from ..outbox import Outbox

PREFIX = "/_local"
_DIGITS = re.compile(r"^[0-9*#]{1,32}$")
MAX_BODY_BYTES = 16 * 1024
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
MAX_TEXT_LENGTH = 1600


class ControlError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _error(error: ControlError) -> Response:
    info: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details:
        info["details"] = error.details
    return _json(error.status, {"error": info})


def is_control_request(environ: Mapping[str, Any]) -> bool:
    path = environ.get("PATH_INFO", "")
    return path == PREFIX or path.startswith(PREFIX + "/")


@dataclass(kw_only=True)
class ControlApi:
    """WSGI app for /_local/*. `calls` is the emulator's SIP media application call simulator
    (list_calls, get_call, answer, digits, hangup), `sms` its End User Messaging SMS numbers
    (receive_text, register_phone_number), `meetings` what the media plane asks of its meetings
    (roster, resolve_join_token); `ready` says whether start-up has finished."""

    outbox: Outbox
    calls: Any
    sms: Any
    meetings: Any
    ready: Callable[[], bool] = lambda: True
    outputs: Callable[[], Mapping[str, str] | None] = lambda: None
    worker_pids: Callable[[], Mapping[str, list[int]]] = lambda: {}
    iam_usage: Callable[[], list[dict[str, Any]]] = lambda: []

    def __post_init__(self) -> None:
        self._map = Map([
            Rule(f"{PREFIX}/health", methods=["GET"], endpoint="health"),
            Rule(f"{PREFIX}/outbox/sms", methods=["GET"], endpoint="sms"),
            Rule(f"{PREFIX}/outbox/email", methods=["GET"], endpoint="email"),
            Rule(f"{PREFIX}/outbox", methods=["DELETE"], endpoint="clear_outbox"),
            Rule(f"{PREFIX}/sms/inbound", methods=["POST"], endpoint="sms_inbound"),
            Rule(f"{PREFIX}/sms/origination-numbers", methods=["POST"], endpoint="register_number"),
            Rule(f"{PREFIX}/calls", methods=["GET"], endpoint="list_calls"),
            Rule(f"{PREFIX}/calls/<transaction_id>", methods=["GET"], endpoint="get_call"),
            Rule(f"{PREFIX}/calls/<transaction_id>/answer", methods=["POST"], endpoint="answer"),
            Rule(f"{PREFIX}/calls/<transaction_id>/digits", methods=["POST"], endpoint="digits"),
            Rule(f"{PREFIX}/calls/<transaction_id>/hangup", methods=["POST"], endpoint="hangup"),
            Rule(f"{PREFIX}/outputs", methods=["GET"], endpoint="outputs"),
            Rule(f"{PREFIX}/lambda/workers", methods=["GET"], endpoint="workers"),
            Rule(f"{PREFIX}/media/meetings/<meeting_id>", methods=["GET"], endpoint="media_roster"),
            Rule(f"{PREFIX}/media/meetings/<meeting_id>/join", methods=["POST"], endpoint="media_join"),
            Rule(f"{PREFIX}/iam/usage", methods=["GET"], endpoint="iam_usage"),
        ], strict_slashes=False)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, args = self._map.bind_to_environ(environ).match()
            response = getattr(self, f"_{endpoint}")(request, **args)
        except ControlError as error:
            response = _error(error)
        except MethodNotAllowed:
            response = _error(ControlError(405, "MethodNotAllowed", f"{request.method} is not allowed on {request.path}."))
        except NotFound:
            response = _error(ControlError(404, "NotFound", f"No control endpoint at {request.path}."))
        except HTTPException as exc:
            response = _error(ControlError(exc.code or 400, "BadRequest", exc.description or "Bad request."))
        return response(environ, start_response)

    # -- endpoints -------------------------------------------------------------------
    def _health(self, request: Request) -> Response:
        if not self.ready():
            return _json(503, {"status": "starting"})
        return _json(200, {"status": "ok"})

    def _sms(self, request: Request) -> Response:
        return _json(200, {"messages": self.outbox.sms()})

    def _email(self, request: Request) -> Response:
        return _json(200, {"messages": self.outbox.email()})

    def _clear_outbox(self, request: Request) -> Response:
        self.outbox.clear()
        return _json(200, {})

    def _sms_inbound(self, request: Request) -> Response:
        """A phone texts one of our numbers: opt-out keywords (STOP ...) and START/UNSTOP act on
        that number's opt-out list, as End User Messaging SMS does; anything else is only received."""
        body = _json_body(request)
        details = [{"path": f"$.{name}", "message": "must be an E.164 phone number"}
                   for name in ("from", "to") if not isinstance(body.get(name), str) or not _E164.match(body[name])]
        text = body.get("body")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT_LENGTH:
            details.append({"path": "$.body", "message": f"must be a string of 1 to {MAX_TEXT_LENGTH} characters"})
        details += [{"path": f"$.{name}", "message": "unknown field"} for name in sorted(set(body) - {"from", "to", "body"})]
        if details:
            raise ControlError(400, "ValidationError", "The request has invalid fields.", details)
        try:
            action = self.sms.receive_text(body["to"], body["from"], text)
        except UnknownNumber:
            raise ControlError(404, "NotFound", "No origination number of the local stack has that number.") from None
        return _json(200, {"action": action})

    def _register_number(self, request: Request) -> Response:
        """Register an origination number for End User Messaging SMS (the bootstrap's path: on AWS a
        number is bought and registered outside the API and Terraform); idempotent."""
        body = _json_body(request)
        details = []
        if not isinstance(body.get("phone_number"), str) or not _E164.match(body["phone_number"]):
            details.append({"path": "$.phone_number", "message": "must be an E.164 phone number"})
        opt_out_list = body.get("opt_out_list_name", "Default")
        if not isinstance(opt_out_list, str) or not opt_out_list:
            details.append({"path": "$.opt_out_list_name", "message": "must be an opt-out list name"})
        details += [{"path": f"$.{name}", "message": "unknown field"}
                    for name in sorted(set(body) - {"phone_number", "opt_out_list_name", "access_key", "region"})]
        if details:
            raise ControlError(400, "ValidationError", "The request has invalid fields.", details)
        try:
            number = self.sms.register_phone_number(body["phone_number"], opt_out_list,
                                           account_id=account_for_access_key(str(body.get("access_key", CREDENTIALS["AWS_ACCESS_KEY_ID"]))),
                                           region=str(body.get("region", DEFAULT_REGION)))
        except ValueError as exc:
            raise ControlError(400, "ValidationError", str(exc), [{"path": "$.phone_number", "message": str(exc)}]) from None
        except Exception as exc:
            if getattr(exc, "code", None) == "ResourceNotFoundException":
                raise ControlError(404, "NotFound", "No opt-out list with that name.") from None
            raise
        return _json(200, {"phone_number_id": number["PhoneNumberId"], "phone_number_arn": number["PhoneNumberArn"],
                           "opt_out_list_name": number["OptOutListName"]})

    def _outputs(self, request: Request) -> Response:
        outputs = self.outputs()
        if outputs is None:
            raise ControlError(503, "Unavailable", "The stack has not finished starting.")
        return _json(200, dict(outputs))

    def _workers(self, request: Request) -> Response:
        return _json(200, {"workers": {k: list(v) for k, v in self.worker_pids().items()}})

    # The local media plane's questions (telehealth_local.control.media_link says why they exist).
    def _media_roster(self, request: Request, meeting_id: str) -> Response:
        found = self.meetings.roster(meeting_id)
        if found is None:
            raise ControlError(404, "NotFound", "No meeting with that id.")
        return _json(200, found)

    def _media_join(self, request: Request, meeting_id: str) -> Response:
        token = _json_body(request).get("JoinToken")
        if not isinstance(token, str) or not token:
            raise ControlError(400, "ValidationError", "JoinToken is required.",
                               [{"path": "$.JoinToken", "message": "must be a non-empty string"}])
        attendee = self.meetings.resolve_join_token(meeting_id, token)
        if attendee is None:
            raise ControlError(404, "NotFound", "No attendee holds that join token in that meeting.")
        return _json(200, {"Attendee": attendee})

    def _iam_usage(self, request: Request) -> Response:
        """Every (role, action, resource) the endpoint allowed or denied, with how often."""
        return _json(200, {"usage": self.iam_usage()})

    def _list_calls(self, request: Request) -> Response:
        return _json(200, {"calls": list(self.calls.list_calls())})

    def _act(self, action: str, transaction_id: str, *args: Any) -> Response:
        try:
            result = getattr(self.calls, action)(transaction_id, *args)
        except CallNotFound:
            raise ControlError(404, "NotFound", "No call with that transaction id.") from None
        except CallStateError as exc:
            raise ControlError(409, "Conflict", str(exc)) from None
        except CallInputError as exc:
            raise ControlError(400, "ValidationError", str(exc), [{"path": "$.digits", "message": str(exc)}]) from None
        return _json(200, result if isinstance(result, dict) else {})

    def _get_call(self, request: Request, transaction_id: str) -> Response:
        return self._act("get_call", transaction_id, request.args.get("events") in ("1", "true"))

    def _answer(self, request: Request, transaction_id: str) -> Response:
        return self._act("answer", transaction_id)

    def _hangup(self, request: Request, transaction_id: str) -> Response:
        return self._act("hangup", transaction_id)

    def _digits(self, request: Request, transaction_id: str) -> Response:
        body = _json_body(request)
        digits = body.get("digits")
        extra = sorted(set(body) - {"digits"})
        details = []
        if not isinstance(digits, str) or not _DIGITS.match(digits):
            details.append({"path": "$.digits", "message": "must be 1 to 32 of 0-9, * and #"})
        details += [{"path": f"$.{name}", "message": "unknown field"} for name in extra]
        if details:
            raise ControlError(400, "ValidationError", "The request has invalid fields.", details)
        return self._act("digits", transaction_id, digits)


def _json_body(request: Request) -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise ControlError(413, "PayloadTooLarge", f"The request body must be at most {MAX_BODY_BYTES} bytes.")
    if not raw.strip():
        raise ControlError(400, "ValidationError", "A JSON object body is required.",
                           [{"path": "$", "message": "missing body"}])
    try:
        body = json.loads(raw)
    except ValueError:
        raise ControlError(400, "ValidationError", "The request body is not valid JSON.",
                           [{"path": "$", "message": "malformed JSON"}]) from None
    if not isinstance(body, dict):
        raise ControlError(400, "ValidationError", "The request body must be a JSON object.",
                           [{"path": "$", "message": "not an object"}])
    return body
