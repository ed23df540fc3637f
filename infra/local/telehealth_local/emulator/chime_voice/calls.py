"""The runner of simulated PSTN calls of SIP media applications: one worker thread per call, Lambda invocation, the phone's controls.

A call is created by CreateSipMediaApplicationCall and then driven by the outside world
through the control operations `answer`, `digits` and `hangup` (the local stack's phone),
and by UpdateSipMediaApplicationCall. Each call has its own worker thread: everything that
happens to one call is processed strictly in order, one Lambda invocation at a time, and the
HTTP threads that feed it only enqueue (and, for the control operations, wait at most
`wait_timeout` for the result). What each event does is call_flow's business.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from typing import TYPE_CHECKING, Any

from ...lambdas import LambdaInvocationError, LambdaInvoker
from .call_flow import CallFlow, HandlerFailed
from .call_state import Call, CallEnded, CallInputError, CallNotFound, CallStateError, Work
from .sma_schema import DIGITS

if TYPE_CHECKING:
    from ..chime_meetings.views import MeetingViews

log = logging.getLogger(__name__)

DEFAULT_INVOCATION_TIMEOUT = 20.0  # AWS hangs up when the function takes longer
DEFAULT_WAIT_TIMEOUT = 30.0


class CallSimulator:
    """The calls of one emulator; `meetings` is how a JoinChimeMeeting reaches the meetings backends."""

    def __init__(self, meetings: MeetingViews) -> None:
        self.invoker: LambdaInvoker | None = None
        self.invocation_timeout = DEFAULT_INVOCATION_TIMEOUT
        self.wait_timeout = DEFAULT_WAIT_TIMEOUT
        self._flow = CallFlow(meetings, self._send)
        self._calls: dict[str, Call] = {}
        self._lock = threading.Lock()

    # --- set-up --------------------------------------------------------------------------

    def configure(self, invoker: LambdaInvoker | None = None, *, invocation_timeout: float | None = None,
                  wait_timeout: float | None = None) -> None:
        """Set how handler Lambdas are invoked (the endpoint does this at start-up) and the timeouts."""
        settings = {"invoker": invoker, "invocation_timeout": invocation_timeout, "wait_timeout": wait_timeout}
        for name, value in settings.items():
            if value is not None:
                setattr(self, name, value)

    @property
    def configured(self) -> bool:
        return self.invoker is not None

    def reset(self) -> None:
        """Forget every call (tests); calls still running are told to stop."""
        with self._lock:
            calls, self._calls = list(self._calls.values()), {}
        for call in calls:
            call.queue.put(None)

    # --- what the voice backend calls ----------------------------------------------------

    def start_call(self, *, account_id: str, region: str, sip_media_application_id: str, lambda_arn: str,
                   from_number: str, to_number: str, arguments: dict[str, str], sip_headers: dict[str, str]) -> str:
        """Start dialing; returns the TransactionId at once (the events go out on the call's thread)."""
        transaction_id = str(uuid.uuid4())
        call = Call(transaction_id, account_id, region, sip_media_application_id, lambda_arn, from_number,
                    to_number, arguments, sip_headers)
        with self._lock:
            self._calls[transaction_id] = call
        call.queue.put(Work("dial"))
        threading.Thread(target=self._run, args=(call,), name=f"sma-call-{transaction_id[:8]}", daemon=True).start()
        return transaction_id

    def request_update(self, account_id: str, region: str, sip_media_application_id: str, transaction_id: str,
                       arguments: dict[str, str]) -> None:
        """UpdateSipMediaApplicationCall: queue a CALL_UPDATE_REQUESTED (does not wait for it)."""
        call = self._call(transaction_id)
        if (call.account_id, call.region, call.sip_media_application_id) != (account_id, region, sip_media_application_id):
            raise CallNotFound(transaction_id)
        if call.status == "ended" or not call.offer(Work("update", dict(arguments))):
            raise CallStateError("The call has ended.")

    def attendee_left(self, account_id: str, region: str, meeting_id: str, attendee_id: str) -> None:
        """Meetings backend listener: an attendee was deleted; a call joined with it loses LEG-B."""
        with self._lock:
            calls = list(self._calls.values())
        for call in calls:
            if (call.status == "joined" and (call.account_id, call.region) == (account_id, region)
                    and (call.meeting_id or "").lower() == meeting_id.lower() and call.attendee_id == attendee_id):
                call.offer(Work("meeting_left", attendee_id))

    # --- the control API (the callee's phone) --------------------------------------------

    def list_calls(self) -> list[dict[str, Any]]:
        with self._lock:
            calls = list(self._calls.values())
        return [call.snapshot() for call in calls]

    def get_call(self, transaction_id: str, with_events: bool = False) -> dict[str, Any]:
        """One call's state; `with_events` adds `event_log`, the full events sent to the handler."""
        return self._call(transaction_id).snapshot(with_events=with_events)

    def answer(self, transaction_id: str, wait: bool = True) -> dict[str, Any]:
        return self._submit(transaction_id, Work("answer"), wait)

    def digits(self, transaction_id: str, digits: str, wait: bool = True) -> dict[str, Any]:
        if not isinstance(digits, str) or not digits or not DIGITS.fullmatch(digits):
            raise CallInputError("digits must be one or more of 0-9, # and *.")
        return self._submit(transaction_id, Work("digits", digits), wait)

    def hangup(self, transaction_id: str, wait: bool = True) -> dict[str, Any]:
        return self._submit(transaction_id, Work("hangup"), wait)

    def wait_idle(self, transaction_id: str, timeout: float | None = None) -> dict[str, Any]:
        """Wait until everything queued for the call so far has been processed; its state then."""
        return self._submit(transaction_id, Work("sync"), True, timeout)

    def _call(self, transaction_id: str) -> Call:
        with self._lock:
            call = self._calls.get(transaction_id)
        if call is None:
            raise CallNotFound(transaction_id)
        return call

    def _submit(self, transaction_id: str, work: Work, wait: bool, timeout: float | None = None) -> dict[str, Any]:
        call = self._call(transaction_id)
        if call.status == "ended" and work.kind != "sync":
            raise CallStateError("The call has ended.")
        if not call.offer(work):
            if work.kind == "sync":
                return call.snapshot()
            raise CallStateError("The call has ended.")
        if wait and work.done.wait(self.wait_timeout if timeout is None else timeout) and work.error is not None:
            raise work.error
        return call.snapshot()

    # --- the call's worker ---------------------------------------------------------------

    def _run(self, call: Call) -> None:
        while True:
            work = call.queue.get()
            if work is None:
                return
            try:
                self._flow.handle(call, work)
            except (CallStateError, CallInputError) as exc:
                work.error = exc
            except CallEnded:
                # Not a failure to report: the call ended mid-way (its cause is already in
                # call.errors / end_reason), so the rest of this work item is moot.
                work.error = None
            except Exception as exc:  # a simulator bug: end the call, tell the waiter, keep the trace
                log.exception("call %s: simulator failed on %s", call.transaction_id, work.kind)
                call.record_error(work.kind, type(exc).__name__, "The call simulator failed.")
                self._flow.end(call, "simulator_error")
                work.error = exc
            finally:
                work.done.set()
            if call.status == "ended":
                self._stop(call)
                return

    def _stop(self, call: Call) -> None:
        """An ended call needs no thread: refuse what is still queued and let the worker go."""
        leftovers: list[Work | None] = []
        with call.lock:
            call.finished = True
            while True:
                try:
                    leftovers.append(call.queue.get_nowait())
                except queue.Empty:
                    break
        for work in leftovers:
            if work is None:
                continue
            if work.kind != "sync":
                work.error = CallStateError("The call has ended.")
            work.done.set()

    def _send(self, call: Call, event: dict[str, Any]) -> Any:
        """The handler's response to `event`, within `invocation_timeout`; HandlerFailed otherwise."""
        invoker = self.invoker
        if invoker is None:
            raise HandlerFailed("NoInvoker", "No Lambda invoker is configured.", fatal=True)
        # Through JSON both ways, as Lambda would: the handler cannot share objects with us.
        payload = json.loads(json.dumps(event))
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["result"] = invoker.invoke(call.lambda_arn, payload)
            except BaseException as exc:  # handed to the call's thread below
                box["error"] = exc

        worker = threading.Thread(target=target, name=f"sma-invoke-{call.transaction_id[:8]}", daemon=True)
        worker.start()
        worker.join(self.invocation_timeout)
        if worker.is_alive():
            raise HandlerFailed("Timeout", f"The Lambda function did not answer within {self.invocation_timeout:g} seconds.")
        if "error" not in box:
            return box.get("result")
        error = box["error"]
        if isinstance(error, LambdaInvocationError):
            raise HandlerFailed(error.error_type, error.message)
        # The invoker itself broke (worker process gone…): same effect as a failed function.
        log.error("call %s: invoking the handler failed: %s", call.transaction_id, type(error).__name__)
        raise HandlerFailed(type(error).__name__, "The Lambda function could not be invoked.")
