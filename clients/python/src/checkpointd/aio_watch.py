"""A reconnecting Watch over the bidirectional stream, for the asyncio client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable

import grpc
import grpc.aio

from .backoff import backoff_delay
from .errors import CheckpointdError
from .options import ReconnectPolicy
from .v1 import checkpoint_service_pb2 as service_pb2
from .v1 import checkpoint_service_pb2_grpc as service_grpc
from .v1 import watch_pb2
from .watch_state import RECONNECT_CODES, Subscriptions, WatchThread


class _RequestQueue:
    """Requests for one Watch stream: put by subscribe()/unsubscribe(), pulled by grpc.aio."""

    def __init__(self, initial: Iterable[service_pb2.WatchRequest]) -> None:
        self._queue: asyncio.Queue[service_pb2.WatchRequest | None] = asyncio.Queue()
        for request in initial:
            self._queue.put_nowait(request)

    def put(self, request: service_pb2.WatchRequest) -> None:
        self._queue.put_nowait(request)

    def end(self) -> None:
        self._queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[service_pb2.WatchRequest]:
        while (item := await self._queue.get()) is not None:
            yield item


class AsyncThreadWatch(AsyncIterator[watch_pb2.WatchEvent]):
    """The asyncio twin of ThreadWatch: ``async for event in watch``; ``close()`` ends it."""

    def __init__(
        self,
        stub: service_grpc.CheckpointServiceStub,
        metadata: Callable[[], Awaitable[list[tuple[str, str]]]],
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
        self._closed = asyncio.Event()
        self._requests: _RequestQueue | None = None
        self._call: grpc.aio.StreamStreamCall | None = None
        self._events = self._run()

    def __aiter__(self) -> AsyncThreadWatch:
        return self

    async def __anext__(self) -> watch_pb2.WatchEvent:
        return await self._events.__anext__()

    async def __aenter__(self) -> AsyncThreadWatch:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def subscribe(self, thread: str | WatchThread) -> None:
        request = self._subs.add(thread)
        if self._requests is not None:
            self._requests.put(request)

    def unsubscribe(self, thread_id: str) -> None:
        request = self._subs.remove(thread_id)
        if self._requests is not None:
            self._requests.put(request)

    def last_event_id(self, thread_id: str) -> int | None:
        """The last event id seen for a watched thread (what a reconnect resumes after)."""
        return self._subs.last_event_id(thread_id)

    def close(self) -> None:
        """Ends the watch; a pending iteration finishes."""
        self._closed.set()
        if self._requests is not None:
            self._requests.end()
        if self._call is not None:
            self._call.cancel()

    async def aclose(self) -> None:
        self.close()
        await self._events.aclose()

    async def _run(self) -> AsyncGenerator[watch_pb2.WatchEvent, None]:
        failures = 0
        while not self._closed.is_set():
            failure: BaseException | None = None
            requests = _RequestQueue(self._subs.requests())
            self._requests = requests
            try:
                call = self._stub.Watch(requests.__aiter__(), metadata=await self._metadata())
                self._call = call
                async for response in call:
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
            except asyncio.CancelledError:
                if not self._closed.is_set():
                    raise
            finally:
                requests.end()
                if self._call is not None:
                    self._call.cancel()
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
            try:
                await asyncio.wait_for(self._closed.wait(), backoff_delay(failures, self._policy))
                return
            except asyncio.TimeoutError:
                pass
            if self._on_reconnect is not None:
                self._on_reconnect(failures, failure)
