"""A watch's state, shared by both watches: what it is subscribed to, the last event id seen per
thread, and its failed connections."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import grpc

from .backoff import backoff_delay
from .call_rules import reconnects_watch, status_code
from .errors import CheckpointdError, EventsCompactedError
from .options import ReconnectPolicy
from .v1 import checkpoint_service_pb2 as service_pb2
from .v1 import watch_pb2


#: grpc.StatusCode.OUT_OF_RANGE's number, as a WatchError carries it.
OUT_OF_RANGE = 11


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

    def event_of(self, response: service_pb2.WatchResponse, heartbeats: bool) -> watch_pb2.WatchEvent | None:
        """The event a response brings to the watcher, or None (a heartbeat not asked for, a replay)."""
        if not response.HasField("event"):
            return None
        event = response.event
        if event.WhichOneof("kind") == "heartbeat":
            return event if heartbeats else None
        if event.WhichOneof("kind") == "error" and event.error.code == OUT_OF_RANGE and event.error.compacted_through > 0:
            # The thread's log was trimmed past where it resumes: no silent gap, the watch ends.
            raise EventsCompactedError(event.thread_id, event.error.compacted_through, event.error.message)
        return event if self.accept(event) else None

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


class Reconnects:
    """The consecutive failed connections of one watch, and what ending one more stream leads to."""

    def __init__(self, policy: ReconnectPolicy) -> None:
        self._policy = policy
        self.failures = 0

    def connected(self) -> None:
        """A stream answered: the next failure is the first again."""
        self.failures = 0

    def backoff(self, failure: grpc.RpcError | None) -> float:
        """The wait before reconnecting after a stream ended (``failure`` None: it ended cleanly).

        Raises CheckpointdError when the watch ends instead: a failure reconnecting cannot help
        (not :func:`~checkpointd.call_rules.reconnects_watch`), or the policy's last attempt.
        """
        if failure is not None and not reconnects_watch(status_code(failure)):
            raise CheckpointdError.from_rpc_error(failure) from failure
        self.failures += 1
        if self.failures >= self._policy.max_attempts:
            reason = "the stream kept ending" if failure is None else str(CheckpointdError.from_rpc_error(failure))
            raise CheckpointdError(
                grpc.StatusCode.UNAVAILABLE, f"watch: gave up after {self.failures} failed connections: {reason}"
            )
        return backoff_delay(self.failures, self._policy)
