"""A reconnecting Watch over the bidirectional stream, for the synchronous client."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator

import grpc

from .backoff import backoff_delay
from .errors import CheckpointdError
from .options import ReconnectPolicy
from .v1 import checkpoint_service_pb2 as service_pb2
from .v1 import checkpoint_service_pb2_grpc as service_grpc
from .v1 import watch_pb2
from .watch_state import RECONNECT_CODES, Subscriptions, WatchThread

_END = object()


class _RequestQueue:
    """Requests for one Watch stream: put by subscribe()/unsubscribe(), pulled by grpc's sender thread."""

    def __init__(self, initial: Iterable[service_pb2.WatchRequest]) -> None:
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        for request in initial:
            self._queue.put(request)

    def put(self, request: service_pb2.WatchRequest) -> None:
        self._queue.put(request)

    def end(self) -> None:
        self._queue.put(_END)

    def __iter__(self) -> Iterator[service_pb2.WatchRequest]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            assert isinstance(item, service_pb2.WatchRequest)
            yield item


class ThreadWatch(Iterator[watch_pb2.WatchEvent]):
    """The events of the watched threads, in order per thread, across reconnects.

    Iterate it once (a for loop, usually in its own thread). ``error`` events (a
    bad subscription) are yielded and the watch goes on; stream failures are
    not seen, only retried, resubscribing from the last event id seen for each
    thread: nothing is missed and nothing is seen twice. ``close()`` (from any
    thread) ends the iteration.
    """

    def __init__(
        self,
        stub: service_grpc.CheckpointServiceStub,
        metadata: Callable[[], list[tuple[str, str]]],
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
        self._policy = reconnect or ReconnectPolicy()
        self._on_reconnect = on_reconnect
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._requests: _RequestQueue | None = None
        self._call: grpc.Call | None = None
        self._events = self._run()

    def __iter__(self) -> ThreadWatch:
        return self

    def __next__(self) -> watch_pb2.WatchEvent:
        return next(self._events)

    def __enter__(self) -> ThreadWatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

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

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            if self._requests is not None:
                self._requests.end()
            if self._call is not None:
                self._call.cancel()

    def _open(self) -> Iterator[service_pb2.WatchResponse]:
        with self._lock:
            self._requests = _RequestQueue(self._subs.requests())
            # A grpc.Call that is also the iterator of responses.
            call: Iterator[service_pb2.WatchResponse] = self._stub.Watch(
                iter(self._requests), metadata=self._metadata()
            )
            self._call = call
        return call

    def _run(self) -> Iterator[watch_pb2.WatchEvent]:
        failures = 0
        while not self._closed.is_set():
            failure: BaseException | None = None
            try:
                for response in self._open():
                    failures = 0
                    if not response.HasField("event"):
                        continue
                    event = response.event
                    if event.WhichOneof("kind") == "heartbeat":
                        if self._heartbeats:
                            yield event
                        continue
                    if self._subs.accept(event):
                        yield event
            except grpc.RpcError as error:
                failure = error
            finally:
                with self._lock:
                    if self._requests is not None:
                        self._requests.end()
                    if self._call is not None:
                        self._call.cancel()  # a no-op on an ended call; ends one the caller stopped reading
                    self._requests = None
                    self._call = None
            if self._closed.is_set():
                return
            if isinstance(failure, grpc.RpcError) and failure.code() not in RECONNECT_CODES:
                raise CheckpointdError.from_rpc_error(failure) from failure
            failures += 1
            if failures >= self._policy.max_attempts:
                reason = "the stream kept ending" if failure is None else str(CheckpointdError.from_rpc_error(failure))
                raise CheckpointdError(
                    grpc.StatusCode.UNAVAILABLE, f"watch: gave up after {failures} failed connections: {reason}"
                )
            if self._closed.wait(backoff_delay(failures, self._policy)):
                return
            if self._on_reconnect is not None:
                self._on_reconnect(failures, failure)
