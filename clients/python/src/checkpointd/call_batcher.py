"""Coalesces the Put, PutWrites and GetTuple calls made in one event-loop turn into Batch RPCs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from .errors import CheckpointdError
from .v1 import checkpoint_service_pb2 as service_pb2

#: The BatchCall / BatchResult field of each batchable call (the same name on both).
BATCH_FIELDS = {"Put": "put", "PutWrites": "put_writes", "GetTuple": "get_tuple"}

#: What a queued call's future holds when the caller is to send the call itself, as its own RPC.
ALONE: Any = object()

SendBatch = Callable[[service_pb2.BatchRequest, bool], Awaitable[service_pb2.BatchResponse]]
IsIdempotent = Callable[[str, Any], bool]

_CODES = {code.value[0]: code for code in grpc.StatusCode}


def status_from_int(code: int) -> grpc.StatusCode:
    """The grpc.StatusCode of a google.rpc.Code number (UNKNOWN for one grpc does not know)."""
    return _CODES.get(code, grpc.StatusCode.UNKNOWN)


class _Queued:
    __slots__ = ("rpc", "request", "future")

    def __init__(self, rpc: str, request: Any, future: asyncio.Future[Any]) -> None:
        self.rpc = rpc
        self.request = request
        self.future = future


class CallBatcher:
    """The calls queued in one turn of the loop go out at the start of the next one.

    A call alone is handed back to its caller (its future holds :data:`ALONE`), which sends
    it as its own RPC with the client's retries in its own task: a quiet client waits at most
    one turn, and the answer wakes the caller directly. Several go as one Batch of at most
    ``max_calls`` (the rest at the next turn, with whatever that turn adds); each call gets
    its own response or its own CheckpointdError. A call whose result is ``UNAVAILABLE`` is
    handed back (sent again on its own) when ``is_idempotent`` says repeating it is safe, so
    it gets the retries it would get unbatched. A server without Batch (``UNIMPLEMENTED``)
    gets single calls from then on; a Batch too large for the server (``RESOURCE_EXHAUSTED``)
    is sent as single calls. Responses are the single call's response messages (``PutResponse``, ...).
    """

    def __init__(self, send_batch: SendBatch, is_idempotent: IsIdempotent, max_calls: int = 32) -> None:
        self._send_batch = send_batch
        self._is_idempotent = is_idempotent
        self._max_calls = max(1, int(max_calls))
        self._queue: list[_Queued] = []
        self._scheduled = False
        self._supported = True
        self._tasks: set[asyncio.Task[None]] = set()
        #: Batch RPCs sent and calls handed back to be sent alone, so far.
        self.batches_sent = 0
        self.singles_sent = 0

    def run(self, rpc: str, request: Any) -> asyncio.Future[Any]:
        """Queues the call for the next turn; the future holds its response, its error or ALONE."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.append(_Queued(rpc, request, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._scheduled = False
        calls = self._queue[: self._max_calls]
        del self._queue[: self._max_calls]
        if self._queue:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)
        if len(calls) == 1 or not self._supported:
            for queued in calls:
                self._alone(queued)
        elif calls:
            self._spawn(self._batch(calls))

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)  # held until done: the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)

    def _alone(self, queued: _Queued) -> None:
        self.singles_sent += 1
        _settle(queued.future, ALONE)

    async def _batch(self, calls: list[_Queued]) -> None:
        request = service_pb2.BatchRequest()
        for queued in calls:
            getattr(request.calls.add(), BATCH_FIELDS[queued.rpc]).CopyFrom(queued.request)
        idempotent = all(self._is_idempotent(q.rpc, q.request) for q in calls)
        self.batches_sent += 1
        try:
            response = await self._send_batch(request, idempotent)
        except CheckpointdError as error:
            if error.code == grpc.StatusCode.UNIMPLEMENTED:
                self._supported = False
            if error.code in (grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.RESOURCE_EXHAUSTED):
                for queued in calls:
                    self._alone(queued)
                return
            for queued in calls:
                _settle_error(queued.future, error)
            return
        except asyncio.CancelledError:
            for queued in calls:
                queued.future.cancel()
            raise
        except Exception as error:  # noqa: BLE001 - every caller's future carries it
            for queued in calls:
                _settle_error(queued.future, error)
            return
        for index, queued in enumerate(calls):
            result = response.results[index] if index < len(response.results) else None
            case = None if result is None else result.WhichOneof("result")
            if case is None:
                detail = f"the server's Batch response has no result for call {index}"
                _settle_error(queued.future, CheckpointdError(grpc.StatusCode.INTERNAL, detail))
            elif case != "error":
                _settle(queued.future, getattr(result, case))
            else:
                code = status_from_int(result.error.code)
                if code == grpc.StatusCode.UNAVAILABLE and self._is_idempotent(queued.rpc, queued.request):
                    self._alone(queued)
                else:
                    _settle_error(queued.future, CheckpointdError(code, result.error.message))


def _settle(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():  # the caller may have been cancelled meanwhile
        future.set_result(value)


def _settle_error(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
