"""What a watch is subscribed to, and the last event id seen per thread (shared by both watches)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import grpc

from .v1 import checkpoint_service_pb2 as service_pb2
from .v1 import watch_pb2

#: Stream failures after which reconnecting can help; others (bad arguments, auth) end the watch.
RECONNECT_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
    }
)


@dataclass(frozen=True)
class WatchThread:
    """A thread to watch, optionally from an event id already seen (later events are replayed)."""

    thread_id: str
    #: Replay events after this id (0: the whole stored log).
    after_event_id: int = 0
    #: Only this namespace's events (None: all).
    checkpoint_ns: str | None = None


@dataclass
class _Subscription:
    after_event_id: int
    checkpoint_ns: str | None


class Subscriptions:
    def __init__(self, threads: Iterable[str | WatchThread]) -> None:
        self._subs: dict[str, _Subscription] = {}
        for thread in threads:
            self.add(thread)

    def add(self, thread: str | WatchThread) -> service_pb2.WatchRequest:
        """Records the subscription; returns the request that makes it on a stream."""
        t = WatchThread(thread) if isinstance(thread, str) else thread
        if not t.thread_id:
            raise ValueError("watch: thread_id is required")
        self._subs[t.thread_id] = _Subscription(t.after_event_id, t.checkpoint_ns)
        return self._request(t.thread_id)

    def remove(self, thread_id: str) -> service_pb2.WatchRequest:
        self._subs.pop(thread_id, None)
        return service_pb2.WatchRequest(unsubscribe=service_pb2.Unsubscribe(thread_id=thread_id))

    def requests(self) -> list[service_pb2.WatchRequest]:
        """The subscribe requests that (re)open every subscription where the last one left off."""
        return [self._request(thread_id) for thread_id in list(self._subs)]

    def last_event_id(self, thread_id: str) -> int | None:
        sub = self._subs.get(thread_id)
        return None if sub is None else sub.after_event_id

    def accept(self, event: watch_pb2.WatchEvent) -> bool:
        """True when the event is new; a replay after a reconnect never yields one twice."""
        sub = self._subs.get(event.thread_id)
        if sub is None or event.WhichOneof("kind") == "error":
            return True
        if event.event_id <= sub.after_event_id:
            return False
        sub.after_event_id = event.event_id
        return True

    def _request(self, thread_id: str) -> service_pb2.WatchRequest:
        sub = self._subs[thread_id]
        request = service_pb2.SubscribeRequest(thread_id=thread_id, after_event_id=sub.after_event_id)
        if sub.checkpoint_ns is not None:
            request.checkpoint_ns = sub.checkpoint_ns
        return service_pb2.WatchRequest(subscribe=request)
