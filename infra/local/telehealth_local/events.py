"""In-process pub/sub from the emulated Chime messaging service to connected websocket sessions."""
from __future__ import annotations

import threading
from typing import Any, Callable, Iterable

Frame = dict[str, Any]
Subscriber = Callable[[Frame], None]


class EventHub:
    """Routes Chime messaging frames to the sessions of the AppInstanceUsers they concern.

    Frames have the Chime SDK wire shape: {"Headers": {"x-amz-chime-event-type": ...,
    "x-amz-chime-message-type": ...}, "Payload": "<JSON text>"}. Subscribers are called on
    the publisher's thread and must not block (hand the frame to their own loop).
    """

    def __init__(self) -> None:
        self._subscribers: dict[str, list[Subscriber]] = {}
        self._lock = threading.Lock()

    def subscribe(self, user_arn: str, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.setdefault(user_arn, []).append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                listeners = self._subscribers.get(user_arn, [])
                if subscriber in listeners:
                    listeners.remove(subscriber)
                if not listeners:
                    self._subscribers.pop(user_arn, None)

        return unsubscribe

    def publish(self, recipient_arns: Iterable[str], frame: Frame) -> int:
        """Deliver `frame` to every session of each recipient; returns deliveries made."""
        with self._lock:
            targets = [s for arn in set(recipient_arns) for s in self._subscribers.get(arn, [])]
        for subscriber in targets:
            subscriber(frame)
        return len(targets)

    def connected(self, user_arn: str) -> bool:
        with self._lock:
            return bool(self._subscribers.get(user_arn))

