"""A reconnecting Watch over the bidirectional stream, for the asyncio client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable

import grpc

from .v1 import checkpoint_service_pb2 as service_pb2
from .v1 import watch_pb2
from .watch_base import WatchBase


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


class AsyncThreadWatch(WatchBase[Callable[[], Awaitable[list[tuple[str, str]]]]], AsyncIterator[watch_pb2.WatchEvent]):
    """The asyncio twin of ThreadWatch: ``async for event in watch``; ``close()`` ends it.

    subscribe(), unsubscribe() and close() belong to the watch's event loop.
    """

    _new_event = asyncio.Event
    _closed: asyncio.Event
    _events: AsyncGenerator[watch_pb2.WatchEvent, None]

    def __aiter__(self) -> AsyncThreadWatch:
        return self

    async def __anext__(self) -> watch_pb2.WatchEvent:
        return await self._events.__anext__()

    async def __aenter__(self) -> AsyncThreadWatch:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self.close()
        await self._events.aclose()

    async def _run(self) -> AsyncGenerator[watch_pb2.WatchEvent, None]:
        while True:
            call = self._open(_RequestQueue, aiter, await self._metadata())
            if call is None:
                return
            failure: grpc.RpcError | None = None
            try:
                async for response in call:
                    if (event := self._event_of(response)) is not None:
                        yield event
            except grpc.RpcError as error:
                failure = error
            except asyncio.CancelledError:
                if not self._stopped:
                    raise  # the task was cancelled, not the stream by close()
            finally:
                self._end_stream()
            delay = self._backoff(failure)
            if delay is None:
                return
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._closed.wait(), delay)
                return
            self._reconnecting(failure)
