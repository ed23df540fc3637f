"""A Lambda execution environment for one service: imports that service's app.py and runs its
handlers, one invocation at a time, for requests sent by the endpoint over a private socket.

Run as `python -m telehealth_local.glue.lambda_service.worker --service-dir DIR --fd N`; the endpoint
(telehealth_local.glue.lambda_service) starts it with the settings already in the environment.
Frames on the socket are a 4-byte big-endian length then UTF-8 JSON, so nothing the handler
prints to stdout or stderr can corrupt the protocol.
"""
from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import socket
import struct
import sys
import time
import traceback
import uuid
from typing import Any, Callable

from ...layout import ACCOUNT_ID, REGION

_HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024

logger = logging.getLogger("telehealth_local.lambda_worker")


def send_frame(sock: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message, separators=(",", ":")).encode("utf-8")
    sock.sendall(_HEADER.pack(len(data)) + data)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def recv_frame(sock: socket.socket) -> dict[str, Any] | None:
    """The next message, or None when the other side closed the socket."""
    header = _recv_exact(sock, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_FRAME:
        raise ValueError(f"frame of {size} bytes exceeds the {MAX_FRAME} byte limit")
    data = _recv_exact(sock, size)
    if data is None:
        return None
    return json.loads(data.decode("utf-8"))


class LambdaContext:
    """The context object AWS's Python runtime passes to a handler."""

    def __init__(self, function_name: str, request_id: str, timeout_ms: int, region: str, account_id: str,
                 memory_limit_in_mb: int = 128):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        # The Python runtime hands this over as a string.
        self.memory_limit_in_mb = str(memory_limit_in_mb)
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()) + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_ms / 1000.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def error_payload(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    """AWS's Python runtime error shape: errorType is the exception's class name."""
    frames = traceback.extract_tb(exc.__traceback__)
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": [f'  File "{f.filename}", line {f.lineno}, in {f.name}\n    {f.line or ""}\n' for f in frames],
    }


def _log_failure(what: str, exc: BaseException) -> None:
    # Exception messages can echo user data (PHI); log the type and where it came from only.
    frames = traceback.extract_tb(exc.__traceback__)
    where = "; ".join(f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}" for f in frames[-5:])
    logger.error("%s raised %s at %s", what, type(exc).__name__, where)


def resolve_handler(module: Any, handler: str) -> Callable[[Any, Any], Any] | None:
    """The callable a deployed Chalice function named `handler` runs.

    Chalice registers `@app.lambda_function(name=...)` under that name in app.handler_map
    (the Python name may differ); a plain module-level function is found by its own name.
    """
    app = getattr(module, "app", None)
    handler_map = getattr(app, "handler_map", None)
    if isinstance(handler_map, dict) and callable(handler_map.get(handler)):
        return handler_map[handler]
    candidate = getattr(module, handler, None)
    return candidate if callable(candidate) else None


def _invoke(module: Any, request: dict[str, Any]) -> dict[str, Any]:
    function_name = request["function"]
    handler_name = request["handler"]
    request_id = request.get("request_id") or str(uuid.uuid4())
    handler = resolve_handler(module, handler_name)
    if handler is None:
        return {"ok": False, "error": {
            "errorType": "Runtime.HandlerNotFound",
            "errorMessage": f"Handler '{handler_name}' missing on module 'app'",
            "stackTrace": [],
        }}
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or REGION
    context = LambdaContext(function_name, request_id, int(request.get("timeout_ms", 3000)), region,
                            request.get("account_id", ACCOUNT_ID))
    os.environ["AWS_LAMBDA_FUNCTION_NAME"] = function_name
    os.environ["AWS_LAMBDA_LOG_GROUP_NAME"] = context.log_group_name
    os.environ["AWS_LAMBDA_LOG_STREAM_NAME"] = context.log_stream_name
    try:
        result = handler(request.get("event"), context)
    except Exception as exc:  # the handler's failure is the invocation's result, as on AWS
        _log_failure(f"handler {handler_name}", exc)
        return {"ok": False, "error": error_payload(exc)}
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        return {"ok": False, "error": {
            "errorType": "Runtime.MarshalError",
            "errorMessage": f"Unable to marshal response: {exc}",
            "stackTrace": [],
        }}
    return {"ok": True, "payload": result}


def _import_app(service_dir: str) -> Any:
    os.chdir(service_dir)
    if service_dir not in sys.path:
        sys.path.insert(0, service_dir)
    # vendor/ is left off the path: it only holds a packaging copy of the shared package,
    # which is installed editable here, and a stale copy there would shadow the real one.
    return importlib.import_module("app")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service-dir", required=True)
    parser.add_argument("--fd", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s lambda-worker[%(process)d] %(levelname)s %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    sock = socket.socket(fileno=args.fd)
    try:
        module = _import_app(args.service_dir)
    except BaseException as exc:  # report why the environment could not start, then exit
        _log_failure("importing app.py", exc)
        error = error_payload(exc, "Runtime.ImportModuleError")
        error["errorMessage"] = f"Unable to import module 'app': {exc}"
        send_frame(sock, {"type": "fatal", "error": error})
        return 1
    send_frame(sock, {"type": "ready", "pid": os.getpid()})
    while True:
        request = recv_frame(sock)
        if request is None:  # the endpoint closed the socket or died: this environment ends
            return 0
        # Acknowledge first: if this process dies before the ack, the endpoint knows the
        # handler never started and may safely use another environment.
        send_frame(sock, {"type": "started", "id": request.get("id")})
        response = _invoke(module, request)
        response.update({"type": "result", "id": request.get("id")})
        send_frame(sock, response)


if __name__ == "__main__":
    sys.exit(main())
