"""A reconnecting Watch over the bidirectional stream, for the synchronous client."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator

import grpc

from .v1 import checkpoint_service_pb2 as service_pb2
from .v1 import watch_pb2
from .watch_base import WatchBase

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


class ThreadWatch(WatchBase[Callable[[], list[tuple[str, str]]]], Iterator[watch_pb2.WatchEvent]):
    """The events of the watched threads, in order per thread, across reconnects.

    Iterate it once (a for loop, usually in its own thread). ``error`` events (a
    bad subscription) are yielded and the watch goes on; stream failures are
    not seen, only retried, resubscribing from the last event id seen for each
    thread: nothing is missed and nothing is seen twice. ``close()`` (from any
    thread) ends the iteration.
    """

    _new_event = threading.Event
    _closed: threading.Event
    _events: Iterator[watch_pb2.WatchEvent]

    def __iter__(self) -> ThreadWatch:
        return self

    def __next__(self) -> watch_pb2.WatchEvent:
        return next(self._events)

    def __enter__(self) -> ThreadWatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self) -> Iterator[watch_pb2.WatchEvent]:
        while True:
            call = self._open(_RequestQueue, iter, self._metadata())
            if call is None:
                return
            failure: grpc.RpcError | None = None
            try:
                for response in call:  # a grpc.Call that is also the iterator of responses
                    if (event := self._event_of(response)) is not None:
                        yield event
            except grpc.RpcError as error:
                failure = error
            finally:
                self._end_stream()
            delay = self._backoff(failure)
            if delay is None or self._closed.wait(delay):
                return
            self._reconnecting(failure)
