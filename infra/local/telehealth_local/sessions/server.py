"""The messaging-session websocket server that GetMessagingSessionEndpoint points to: it admits
SigV4-presigned `/connect` requests for existing AppInstanceUsers and pushes them the channel
events the emulated Chime messaging service publishes on the event hub."""
from __future__ import annotations

import asyncio
import collections
import datetime
import http
import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ..events import EventHub, Frame
from . import frames
from .credentials import CredentialResolver, default_resolver
from .policy import session_policy_allows
from .presign import PresignError, verify_presigned

logger = logging.getLogger(__name__)

SERVICE = "chime"
CONNECT_ACTION = "chime:Connect"
# Close codes (amazon-chime-sdk-js reconnects on 1001, 1006, 1011-1014 and > 4000 except
# 4002, 4003, 4401; 1000 ends the session for good).
GOING_AWAY = 1001  # server stopping: the client reconnects, as after a Chime deploy
TRY_AGAIN_LATER = 1013  # client too slow to keep up: it reconnects and catches up
DEFAULT_MAX_PENDING = 1000
# amazon-chime-sdk-js PrefetchSortBy values.
PREFETCH_SORT_BY = ("unread", "last-message-timestamp")

_USER_ARN = re.compile(
    r"arn:aws:chime:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):app-instance/[^/]+/user/[^/]+"
)

UserExists = Callable[[str], bool]
# Returns the CHANNEL_DETAILS payloads ({Channel, ChannelMemberships, ChannelMessages,
# ReadMarkerTimestamp}) to prefetch for a user, given the prefetch-sort-by value or None.
Prefetch = Callable[[str, "str | None"], Iterable[Mapping[str, Any]]]


@dataclass(frozen=True)
class _Admission:
    user_arn: str
    session_id: str
    prefetch: bool
    prefetch_sort_by: str | None


class SessionServer:
    """Runs on its own asyncio loop in a daemon thread; `url` is what GetMessagingSessionEndpoint
    returns (`host:port`, no scheme)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        hub: EventHub,
        credentials: CredentialResolver | None = None,
        user_exists: UserExists | None = None,
        prefetch: Prefetch | None = None,
        clock: Callable[[], datetime.datetime] | None = None,
        max_pending: int = DEFAULT_MAX_PENDING,
        close_timeout: float = 2.0,
        authorize: Callable[[str, str | None, str, str], str | None] | None = None,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._hub = hub
        self._credentials = credentials or default_resolver()
        # The endpoint's IAM evaluator (role and session policies); without it (a server on its
        # own) only the session policy is checked.
        self._authorize = authorize
        # The emulated Chime services answer these two; without them nobody is known and nothing prefetched.
        self._user_exists = user_exists or (lambda _user_arn: False)
        self._prefetch: Prefetch = prefetch if prefetch is not None else (lambda _user_arn, _sort_by: [])
        self._clock = clock
        self._max_pending = max_pending
        self._close_timeout = close_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._stopped = threading.Event()
        self._count_lock = threading.Lock()
        self._sessions = 0
        self.port = 0

    @property
    def url(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> "SessionServer":
        self._thread = threading.Thread(
            target=self._run, name=f"messaging-sessions-{self.host}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("messaging session server did not start in time")
        if self._startup_error is not None:
            raise self._startup_error
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Close every session with 1001 (the client reconnects elsewhere) and stop the loop."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or self._stopped.is_set():
            return
        self._stopped.set()
        if loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            try:
                future.result(timeout)
            finally:
                loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)

    def session_count(self) -> int:
        """Sessions admitted and not yet ended (for the control API and tests)."""
        with self._count_lock:
            return self._sessions

    # -- loop thread -------------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(self._listen())
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:  # handed to start(), which re-raises it in the caller
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        # Ready only once the loop runs, so that stop() right after start() finds it running.
        loop.call_soon(self._ready.set)
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _listen(self) -> Server:
        return await serve(
            self._serve_session,
            self.host,
            self._requested_port,
            process_request=self._admit,
            close_timeout=self._close_timeout,
            # Clients have nothing to say on this channel; keep what they may send small.
            max_size=64 * 1024,
            server_header=None,
        )

    async def _shutdown(self) -> None:
        server = self._server
        if server is None:
            return
        server.close(close_connections=True, code=GOING_AWAY, reason="server stopping")
        await server.wait_closed()

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse with an HTTP error before the upgrade, or remember who is connecting."""
        try:
            admission = self._check(request)
        except PresignError as refusal:
            logger.info("messaging session refused: %s %s", refusal.status, refusal.code)
            return _refuse(connection, refusal.status, refusal.code, refusal.message)
        connection.telehealth_admission = admission  # type: ignore[attr-defined]
        return None

    def _check(self, request: Request) -> _Admission:
        path = request.path.partition("?")[0]
        if path != "/connect":
            raise PresignError(404, "NotFound", "Unknown path: messaging sessions connect at /connect.")
        verified = verify_presigned(
            "GET",
            request.path,
            _HeaderView(request.headers),
            self._credentials,
            service=SERVICE,
            now=self._clock,
        )
        user_arn = verified.params.get("userArn")
        session_id = verified.params.get("sessionId")
        if not user_arn or not session_id:
            raise PresignError(400, "BadRequest", "userArn and sessionId are required.")
        match = _USER_ARN.fullmatch(user_arn)
        if match is None:
            raise PresignError(400, "BadRequest", "userArn is not an AppInstanceUser ARN.")
        if match["region"] != verified.region:
            raise PresignError(403, "Forbidden", "userArn is in another region than the signature scope.")
        if match["account"] != verified.credentials.account_id:
            raise PresignError(
                403, "Forbidden", "The credentials belong to another account than userArn."
            )
        policy = verified.credentials.session_policy
        if self._authorize is not None:
            reason = self._authorize(verified.credentials.access_key_id, verified.credentials.session_token,
                                     CONNECT_ACTION, user_arn)
            if reason is not None:
                raise PresignError(403, "Forbidden", reason)
        elif policy is not None and not session_policy_allows(policy, CONNECT_ACTION, user_arn):
            raise PresignError(
                403,
                "Forbidden",
                f"The session policy of these credentials does not allow {CONNECT_ACTION} on userArn.",
            )
        if not self._user_exists(user_arn):
            raise PresignError(404, "NotFound", "The AppInstanceUser of userArn does not exist.")
        prefetch_on = verified.params.get("prefetch-on")
        if prefetch_on not in (None, "connect"):
            raise PresignError(400, "BadRequest", "prefetch-on must be connect.")
        sort_by = verified.params.get("prefetch-sort-by")
        if sort_by not in (None, *PREFETCH_SORT_BY):
            raise PresignError(
                400, "BadRequest", f"prefetch-sort-by must be one of {', '.join(PREFETCH_SORT_BY)}."
            )
        return _Admission(
            user_arn=user_arn,
            session_id=session_id,
            prefetch=prefetch_on == "connect",
            prefetch_sort_by=sort_by,
        )

    async def _serve_session(self, connection: ServerConnection) -> None:
        admission: _Admission = connection.telehealth_admission  # type: ignore[attr-defined]
        outbox = _Outbox(asyncio.get_running_loop(), connection, self._max_pending)
        # Subscribe before anything is sent: SESSION_ESTABLISHED promises that every later
        # event reaches this socket, so nothing may fall between it and the subscription.
        unsubscribe = self._hub.subscribe(admission.user_arn, outbox.offer)
        with self._count_lock:
            self._sessions += 1
        try:
            opening = [frames.session_established()]
            if admission.prefetch:
                opening.extend(
                    frames.channel_details(details)
                    for details in self._prefetch(admission.user_arn, admission.prefetch_sort_by)
                )
            outbox.put_first([frames.encode(f) for f in opening])
            pump = asyncio.create_task(outbox.pump())
            try:
                # Reading keeps pings and the closing handshake going; what a client sends
                # on this server-push channel is not acted on.
                async for _message in connection:
                    pass
            except ConnectionClosed:
                # Abnormal closes (1006 and the like) end the session just as clean ones do.
                pass
            finally:
                pump.cancel()
                await asyncio.gather(pump, return_exceptions=True)
        finally:
            outbox.shut()
            unsubscribe()
            with self._count_lock:
                self._sessions -= 1


class _Outbox:
    """Frames waiting to be sent to one session, fed from any thread.

    Publishers never wait: past `limit` unsent frames the session is closed with 1013 and
    later frames are dropped; the client reconnects and catches up through the API.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, connection: ServerConnection, limit: int):
        self._loop = loop
        self._connection = connection
        self._limit = limit
        self._pending: collections.deque[str] = collections.deque()
        self._lock = threading.Lock()
        self._shut = False
        self._wakeup = asyncio.Event()
        self._closing: asyncio.Task[None] | None = None

    def offer(self, frame: Frame) -> None:
        """Hub subscriber: called on the publisher's thread."""
        text = frames.encode(frame)
        with self._lock:
            if self._shut:
                return
            if len(self._pending) >= self._limit:
                self._shut = True
                self._pending.clear()
                # Scheduled under the lock so that shut() (also under it) cannot let the
                # loop close in between.
                self._loop.call_soon_threadsafe(self._close_overloaded)
                return
            self._pending.append(text)
            self._loop.call_soon_threadsafe(self._wakeup.set)

    def put_first(self, texts: list[str]) -> None:
        with self._lock:
            self._pending.extendleft(reversed(texts))
        self._wakeup.set()

    def shut(self) -> None:
        with self._lock:
            self._shut = True
            self._pending.clear()

    async def pump(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while True:
                with self._lock:
                    if not self._pending:
                        break
                    text = self._pending.popleft()
                try:
                    await self._connection.send(text)
                except ConnectionClosed:
                    return

    def _close_overloaded(self) -> None:
        logger.warning("messaging session closed: more than %d frames unsent", self._limit)
        # Kept referenced: the loop holds tasks only weakly.
        self._closing = self._loop.create_task(
            self._connection.close(TRY_AGAIN_LATER, "too many unsent events")
        )


class _HeaderView(Mapping[str, str]):
    """Case-insensitive view of the handshake headers; repeated headers are joined with ','
    as SigV4 canonicalization does."""

    def __init__(self, headers: Headers):
        self._headers = headers

    def __getitem__(self, name: str) -> str:
        values = self._headers.get_all(name)
        if not values:
            raise KeyError(name)
        return ",".join(values)

    def __iter__(self):
        return iter({name.lower() for name in self._headers.keys()})

    def __len__(self) -> int:
        return len({name.lower() for name in self._headers.keys()})


def _refuse(connection: ServerConnection, status: int, code: str, message: str) -> Response:
    response = connection.respond(http.HTTPStatus(status), json.dumps({"Code": code, "Message": message}))
    response.headers["Content-Type"] = "application/json"
    response.headers["x-amzn-ErrorType"] = code if code.endswith("Exception") else f"{code}Exception"
    return response


def start_session_server(
    host: str = "127.0.0.1", port: int = 0, *, hub: EventHub, **options: Any
) -> SessionServer:
    """Start the server on its own thread and return once it listens (port 0 picks a free one).

    `options` are SessionServer's keyword arguments (credentials, user_exists, prefetch, clock,
    max_pending, close_timeout)."""
    return SessionServer(host, port, hub=hub, **options).start()
