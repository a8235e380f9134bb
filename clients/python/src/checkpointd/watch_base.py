"""What the synchronous and the asyncio watch share: subscriptions, the stream under way, reconnects."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar

import grpc

from .options import ReconnectPolicy
from .v1 import checkpoint_service_pb2 as service_pb2
from .v1 import checkpoint_service_pb2_grpc as service_grpc
from .v1 import watch_pb2
from .watch_state import Reconnects, Subscriptions, WatchThread


class RequestQueue(Protocol):
    """The requests of one Watch stream: subscribe()/unsubscribe() put them, grpc sends them."""

    def put(self, request: service_pb2.WatchRequest) -> None: ...
    def end(self) -> None: ...


Q = TypeVar("Q", bound=RequestQueue)
#: The metadata provider: a function, or a coroutine function for the asyncio watch.
M = TypeVar("M")


class Event(Protocol):
    def set(self) -> None: ...


class WatchBase(Generic[M]):
    """One watch: at most one Watch stream at a time, reopened where the last one left off.

    Under the lock (which makes the synchronous watch's subscribe(), unsubscribe() and
    close() safe from any thread) a subscription made while a stream opens is in its first
    requests or sent on it, never lost; once closed, no stream opens.
    """

    #: ``threading.Event`` or ``asyncio.Event``: set by close(), waited on between streams.
    _new_event: Callable[[], Event]

    def __init__(
        self,
        stub: service_grpc.CheckpointServiceStub,
        metadata: M,
        threads: Iterable[str | WatchThread] = (),
        *,
        heartbeats: bool = False,
        reconnect: ReconnectPolicy | None = None,
        on_reconnect: Callable[[int, BaseException | None], None] | None = None,
    ) -> None:
        self._stub = stub
        self._metadata = metadata
        self._subs = Subscriptions(threads)
        self._heartbeats = heartbeats
        self._reconnects = Reconnects(reconnect or ReconnectPolicy())
        self._on_reconnect = on_reconnect
        self._lock = threading.Lock()
        self._stopped = False
        self._requests: RequestQueue | None = None
        self._call: Any = None
        self._closed = self._new_event()
        self._events = self._run()

    def _run(self) -> Any:
        """The events: a generator (async for the asyncio watch) that reconnects until closed."""
        raise NotImplementedError

    def close(self) -> None:
        """Ends the watch (from any thread for the synchronous one); a pending iteration finishes."""
        self._closed.set()
        self._stop()

    def subscribe(self, thread: str | WatchThread) -> None:
        with self._lock:
            request = self._subs.add(thread)
            if self._requests is not None:
                self._requests.put(request)

    def unsubscribe(self, thread_id: str) -> None:
        with self._lock:
            request = self._subs.remove(thread_id)
            if self._requests is not None:
                self._requests.put(request)

    def last_event_id(self, thread_id: str) -> int | None:
        """The last event id seen for a watched thread (what a reconnect resumes after)."""
        return self._subs.last_event_id(thread_id)

    def _stop(self) -> None:
        """No stream opens any more; the one under way ends."""
        with self._lock:
            self._stopped = True
        self._end_stream()

    def _open(
        self,
        queue: Callable[[list[service_pb2.WatchRequest]], Q],
        requests_of: Callable[[Q], Any],
        metadata: list[tuple[str, str]],
    ) -> Any:
        """A new Watch stream that subscribes to every thread where the last one left off; None once closed.

        ``queue`` makes the request queue from the first requests, ``requests_of`` the iterator grpc reads it by.
        """
        with self._lock:
            if self._stopped:
                return None
            requests = queue(self._subs.requests())
            self._requests = requests
            self._call = self._stub.Watch(requests_of(requests), metadata=metadata)
            return self._call

    def _end_stream(self) -> None:
        with self._lock:
            if self._requests is not None:
                self._requests.end()
            if self._call is not None:
                self._call.cancel()  # a no-op on an ended call; ends one the caller stopped reading
            self._requests = None
            self._call = None

    def _event_of(self, response: service_pb2.WatchResponse) -> watch_pb2.WatchEvent | None:
        self._reconnects.connected()
        return self._subs.event_of(response, self._heartbeats)

    def _backoff(self, failure: grpc.RpcError | None) -> float | None:
        """The wait before the next stream, None once closed; raises CheckpointdError when the watch ends."""
        return None if self._stopped else self._reconnects.backoff(failure)

    def _reconnecting(self, failure: grpc.RpcError | None) -> None:
        if self._on_reconnect is not None:
            self._on_reconnect(self._reconnects.failures, failure)
