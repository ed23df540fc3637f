"""What SES does beyond moto's bookkeeping: a sent e-mail reaches its recipient, here the local
e-mail outbox (with the one-time code it carries as `code`, as the control API promises).

moto's SendEmail checks the verified sender and records the message; this glue forwards to moto
and, when moto accepted the message, copies it into the outbox.
"""
from __future__ import annotations

import io
import re
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from werkzeug.test import run_wsgi_app

from .outbox import Outbox, outbox as default_outbox

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_SES_SCOPE = re.compile(r"Credential=[^/]+/[0-9]{8}/[^/]+/(?:ses|email)/aws4_request")
# The service's mails state their one-time code as "... code: <code>" on one line.
_CODE = re.compile(r"\bcode: ([A-Za-z0-9_.-]{6,})")


def code_in(text: str) -> str | None:
    match = _CODE.search(text)
    return match.group(1) if match else None


class SesGlue:
    def __init__(self, moto_app: Wsgi, outbox: Outbox | None = None):
        self._moto = moto_app
        self._outbox = outbox or default_outbox

    @staticmethod
    def handles(environ: dict[str, Any]) -> bool:
        return (environ.get("REQUEST_METHOD") == "POST"
                and bool(_SES_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        forwarded = dict(environ)
        forwarded["wsgi.input"] = io.BytesIO(body)
        forwarded["CONTENT_LENGTH"] = str(len(body))
        app_iter, status, headers = run_wsgi_app(self._moto, forwarded, buffered=True)
        try:
            data = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close:
                close()
        params = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if params.get("Action") == "SendEmail" and status.startswith("200"):
            self._deliver(params)
        out_headers = [(k, v) for k, v in headers.items() if k.lower() != "content-length"]
        out_headers.append(("Content-Length", str(len(data))))
        start_response(status, out_headers)
        return [data]

    def _deliver(self, params: dict[str, str]) -> None:
        subject = params.get("Message.Subject.Data", "")
        text = params.get("Message.Body.Text.Data") or params.get("Message.Body.Html.Data", "")
        recipients = [v for k, v in sorted(params.items()) if k.startswith("Destination.ToAddresses.member.")]
        for to in recipients:
            self._outbox.add_email(to, subject, text, code=code_in(text))
