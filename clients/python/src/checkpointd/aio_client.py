"""The asyncio checkpointd client (grpc.aio)."""

from __future__ import annotations

import datetime
import inspect
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

import grpc.aio

from .aio_watch import AsyncThreadWatch
from .call_batcher import ALONE, CallBatcher
from .call_rules import is_idempotent
from .client_base import (
    ClientBase,
    Metadata,
    bearer_authorization,
    get_tuple_at_request,
    merge_metadata,
    stream_errors,
)
from .options import ClientOptions, ReconnectPolicy
from .retry import Attempts, acall_with_retries
from .v1 import checkpoint_pb2
from .v1 import checkpoint_service_pb2 as service_pb2
from .watch_state import WatchThread


class AsyncCheckpointdClient(ClientBase):
    """The asyncio twin of :class:`~checkpointd.CheckpointdClient`: the same calls, awaited.

    A grpc.aio channel belongs to the event loop it was created in: create the
    client inside the loop that uses it (``async with AsyncCheckpointdClient(...)``).
    The metadata provider may be a coroutine function.

    ``put``, ``put_writes`` and ``get_tuple`` calls without a ``timeout`` or ``metadata`` of
    their own that are made in one turn of the event loop go as one ``Batch`` RPC (see
    :class:`~checkpointd.call_batcher.CallBatcher`; ``ClientOptions(batch=False)`` turns it off).
    """

    def __init__(self, address: str, options: ClientOptions | None = None, **overrides: Any) -> None:
        super().__init__(grpc.aio, address, options, overrides)
        self._batcher = CallBatcher(self._send_batch, is_idempotent) if self.options.batch else None

    async def _metadata(self, extra: Mapping[str, str] | None = None) -> Metadata:
        provided = self._provided_metadata()
        if inspect.isawaitable(provided):
            provided = await provided
        token = self._provided_token()
        if inspect.isawaitable(token):
            token = await token
        return merge_metadata(provided, extra, None if token is None else bearer_authorization(token))

    async def _unary(self, rpc: str, request: Any, timeout: float | None, metadata: Mapping[str, str] | None) -> Any:
        attempts = self._unary_attempts(rpc, request, timeout)
        return await self._attempt_all(getattr(self.raw, rpc), request, attempts, metadata)

    async def _attempt_all(
        self, method: Any, request: Any, attempts: Attempts, metadata: Mapping[str, str] | None
    ) -> Any:
        async def attempt(left: float | None) -> Any:
            return await method(request, timeout=left, metadata=await self._metadata(metadata))

        return await acall_with_retries(attempt, attempts)

    def _send_batch(self, request: service_pb2.BatchRequest, idempotent: bool) -> Any:
        """A Batch is retried (whole) only when every call in it is idempotent."""
        attempts = Attempts(self.options.retry, idempotent=idempotent, timeout=self.options.timeout)
        return self._attempt_all(self.raw.Batch, request, attempts, None)

    async def _batchable(
        self, rpc: str, request: Any, timeout: float | None, metadata: Mapping[str, str] | None
    ) -> Any:
        """Through the batcher, unless batching is off or the call has a deadline or metadata of its own."""
        if self._batcher is None or timeout is not None or metadata is not None:
            return await self._unary(rpc, request, timeout, metadata)
        self._ensure_open()
        result = await self._batcher.run(rpc, request)
        return await self._unary(rpc, request, None, None) if result is ALONE else result

    # -- calls: each one's retry rule is call_rules.is_idempotent ---------------------------------

    async def put(
        self,
        request: service_pb2.PutRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.PutResponse:
        response: service_pb2.PutResponse = await self._batchable("Put", request, timeout, metadata)
        return response

    async def put_writes(
        self,
        request: service_pb2.PutWritesRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        await self._batchable("PutWrites", request, timeout, metadata)

    async def get_tuple(
        self,
        request: service_pb2.GetTupleRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> checkpoint_pb2.CheckpointTuple | None:
        """The tuple, or None when nothing matched."""
        response: service_pb2.GetTupleResponse = await self._batchable("GetTuple", request, timeout, metadata)
        return response.tuple if response.HasField("tuple") else None

    async def get_tuple_at(
        self,
        thread_id: str,
        at: datetime.datetime,
        *,
        checkpoint_ns: str = "",
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> checkpoint_pb2.CheckpointTuple | None:
        """Point in time: the latest checkpoint of the thread and namespace whose ``ts`` is at or
        before ``at`` (timezone-aware), or None when there is none. See CheckpointdClient.get_tuple_at."""
        return await self.get_tuple(
            get_tuple_at_request(thread_id, at, checkpoint_ns), timeout=timeout, metadata=metadata
        )

    async def get_delta_channel_history(
        self,
        request: service_pb2.GetDeltaChannelHistoryRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.GetDeltaChannelHistoryResponse:
        """For LangGraph's DeltaChannel: per channel, the writes along the checkpoint's parent chain
        and the nearest stored value (seed), in one round trip."""
        response: service_pb2.GetDeltaChannelHistoryResponse = await self._unary(
            "GetDeltaChannelHistory", request, timeout, metadata
        )
        return response

    async def list(
        self,
        request: service_pb2.ListRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> AsyncIterator[checkpoint_pb2.CheckpointTuple]:
        """History, newest first, as it streams; retried only until the first tuple arrived."""
        attempts = self._list_attempts(timeout)

        async def open_stream(left: float | None) -> tuple[Any, Any]:
            call = self.raw.List(request, timeout=left, metadata=await self._metadata(metadata))
            return call, await call.read()

        call, response = await acall_with_retries(open_stream, attempts)
        with stream_errors(call):
            while response is not grpc.aio.EOF:
                if response.HasField("tuple"):
                    yield response.tuple
                response = await call.read()

    async def delete_thread(
        self, thread_id: str, *, timeout: float | None = None, metadata: Mapping[str, str] | None = None
    ) -> None:
        await self._unary("DeleteThread", service_pb2.DeleteThreadRequest(thread_id=thread_id), timeout, metadata)

    async def copy_thread(
        self,
        request: service_pb2.CopyThreadRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        await self._unary("CopyThread", request, timeout, metadata)

    async def delete_for_runs(
        self,
        request: service_pb2.DeleteForRunsRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.DeleteForRunsResponse:
        response: service_pb2.DeleteForRunsResponse = await self._unary("DeleteForRuns", request, timeout, metadata)
        return response

    async def set_retention(
        self,
        request: service_pb2.SetRetentionRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.Thread:
        """Replaces a thread's retention policy (no policy: the server's defaults); returns the thread."""
        response: service_pb2.SetRetentionResponse = await self._unary("SetRetention", request, timeout, metadata)
        return response.thread

    async def get_thread(
        self, thread_id: str, *, timeout: float | None = None, metadata: Mapping[str, str] | None = None
    ) -> service_pb2.Thread:
        """A thread's size, clock and retention policy (checkpoint_count 0 when nothing is stored)."""
        request = service_pb2.GetThreadRequest(thread_id=thread_id)
        response: service_pb2.GetThreadResponse = await self._unary("GetThread", request, timeout, metadata)
        return response.thread

    async def get_thread_storage(
        self,
        thread_id: str,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.GetThreadStorageResponse:
        """How much the thread stores, per channel and in total: logical (as written) against stored bytes."""
        request = service_pb2.GetThreadStorageRequest(thread_id=thread_id)
        response: service_pb2.GetThreadStorageResponse = await self._unary(
            "GetThreadStorage", request, timeout, metadata
        )
        return response

    async def prune(
        self,
        request: service_pb2.PruneRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        await self._unary("Prune", request, timeout, metadata)

    async def resume(
        self,
        request: service_pb2.ResumeRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.ResumeResponse:
        """Answers an interrupt. Retried only when it carries an idempotency key."""
        response: service_pb2.ResumeResponse = await self._unary("Resume", request, timeout, metadata)
        return response

    async def claim_resume(
        self,
        request: service_pb2.ClaimResumeRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.ClaimResumeResponse:
        """Takes a pending resume for one worker. Retried only when it names the resume (``resume_id``)."""
        response: service_pb2.ClaimResumeResponse = await self._unary("ClaimResume", request, timeout, metadata)
        return response

    async def acquire_lease(
        self,
        request: service_pb2.AcquireLeaseRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.AcquireLeaseResponse:
        """Takes a thread's lease (docs/protocol.md, "Leases"). Never retried: a retry could take a
        second lease. Held by another: CheckpointdError FAILED_PRECONDITION naming the holder."""
        response: service_pb2.AcquireLeaseResponse = await self._unary("AcquireLease", request, timeout, metadata)
        return response

    async def renew_lease(
        self,
        request: service_pb2.RenewLeaseRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.RenewLeaseResponse:
        response: service_pb2.RenewLeaseResponse = await self._unary("RenewLease", request, timeout, metadata)
        return response

    async def release_lease(
        self,
        request: service_pb2.ReleaseLeaseRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> bool:
        """False when the lease had already ended."""
        response: service_pb2.ReleaseLeaseResponse = await self._unary("ReleaseLease", request, timeout, metadata)
        return response.released

    async def subscribe(
        self, request: service_pb2.SubscribeRequest, *, metadata: Mapping[str, str] | None = None
    ) -> AsyncIterator[service_pb2.SubscribeResponse]:
        """One thread's events over server streaming (no reconnect: see watch())."""
        self._ensure_open()
        call = self.raw.Subscribe(request, metadata=await self._metadata(metadata))
        with stream_errors(call, request.thread_id):
            while (response := await call.read()) is not grpc.aio.EOF:
                yield response

    def watch(
        self,
        threads: Iterable[str | WatchThread] = (),
        *,
        heartbeats: bool = False,
        reconnect: ReconnectPolicy | None = None,
        on_reconnect: Callable[[int, BaseException | None], None] | None = None,
    ) -> AsyncThreadWatch:
        """Watches threads; reconnects and resubscribes from the last event id seen per thread."""
        self._ensure_open()
        return AsyncThreadWatch(
            self.raw, self._metadata, threads, heartbeats=heartbeats, reconnect=reconnect, on_reconnect=on_reconnect
        )

    async def close(self) -> None:
        """Closes the channel; calls still in flight fail."""
        if not self._closed:
            self._closed = True
            await self._channel.close()

    async def __aenter__(self) -> AsyncCheckpointdClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
