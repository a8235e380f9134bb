"""The asyncio checkpointd client (grpc.aio)."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

import grpc
import grpc.aio

from .address import parse_address
from .aio_watch import AsyncThreadWatch
from .channel import channel_arguments, channel_credentials, resolve_tls
from .client import Metadata, merge_metadata
from .errors import CheckpointdError, ClientClosedError
from .options import ClientOptions, ReconnectPolicy
from .retry import acall_with_retries, deadline_of
from .v1 import checkpoint_pb2
from .v1 import checkpoint_service_pb2 as service_pb2
from .v1 import checkpoint_service_pb2_grpc as service_grpc
from .watch_state import WatchThread

T = TypeVar("T")


class AsyncCheckpointdClient:
    """The asyncio twin of :class:`~checkpointd.CheckpointdClient`: the same calls, awaited.

    A grpc.aio channel belongs to the event loop it was created in: create the
    client inside the loop that uses it (``async with AsyncCheckpointdClient(...)``).
    The metadata provider may be a coroutine function.
    """

    def __init__(self, address: str, options: ClientOptions | None = None, **overrides: Any) -> None:
        self.options = dataclasses.replace(options or ClientOptions(), **overrides)
        parsed = parse_address(address)
        tls = resolve_tls(address, parsed, self.options.tls)
        arguments = channel_arguments(self.options, tls)
        if tls is None:
            self._channel = grpc.aio.insecure_channel(parsed.target, options=arguments)
        else:
            self._channel = grpc.aio.secure_channel(parsed.target, channel_credentials(tls), options=arguments)
        #: The generated stub on the same channel: no retries and no default deadline.
        self.raw = service_grpc.CheckpointServiceStub(self._channel)  # type: ignore[no-untyped-call]
        self._closed = False

    # -- plumbing --------------------------------------------------------------------------------

    async def _metadata(self, extra: Mapping[str, str] | None = None) -> Metadata:
        provided: Any = self.options.metadata() if self.options.metadata is not None else None
        if inspect.isawaitable(provided):
            provided = await provided
        return merge_metadata(provided, extra)

    async def _unary(
        self,
        idempotent: bool,
        timeout: float | None,
        metadata: Mapping[str, str] | None,
        run: Callable[[float | None, Metadata], Awaitable[T]],
    ) -> T:
        if self._closed:
            raise ClientClosedError()

        async def attempt(left: float | None) -> T:
            return await run(left, await self._metadata(metadata))

        return await acall_with_retries(
            attempt,
            policy=self.options.retry,
            idempotent=idempotent,
            deadline=deadline_of(self.options.timeout if timeout is None else timeout),
        )

    # -- calls -----------------------------------------------------------------------------------

    async def put(
        self,
        request: service_pb2.PutRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.PutResponse:
        response: service_pb2.PutResponse = await self._unary(
            True, timeout, metadata, lambda t, m: self.raw.Put(request, timeout=t, metadata=m)
        )
        return response

    async def put_writes(
        self,
        request: service_pb2.PutWritesRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        await self._unary(True, timeout, metadata, lambda t, m: self.raw.PutWrites(request, timeout=t, metadata=m))

    async def get_tuple(
        self,
        request: service_pb2.GetTupleRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> checkpoint_pb2.CheckpointTuple | None:
        """The tuple, or None when nothing matched."""
        response: service_pb2.GetTupleResponse = await self._unary(
            True, timeout, metadata, lambda t, m: self.raw.GetTuple(request, timeout=t, metadata=m)
        )
        return response.tuple if response.HasField("tuple") else None

    async def list(
        self,
        request: service_pb2.ListRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> AsyncIterator[checkpoint_pb2.CheckpointTuple]:
        """History, newest first, as it streams; retried only until the first tuple arrived."""
        if self._closed:
            raise ClientClosedError()
        deadline = deadline_of(self.options.list_timeout if timeout is None else timeout)

        async def open_stream(left: float | None) -> tuple[Any, Any]:
            call = self.raw.List(request, timeout=left, metadata=await self._metadata(metadata))
            return call, await call.read()

        call, response = await acall_with_retries(
            open_stream, policy=self.options.retry, idempotent=True, deadline=deadline
        )
        try:
            while response is not grpc.aio.EOF:
                if response.HasField("tuple"):
                    yield response.tuple
                response = await call.read()
        except grpc.RpcError as error:
            raise CheckpointdError.from_rpc_error(error) from error
        finally:
            call.cancel()

    async def delete_thread(
        self, thread_id: str, *, timeout: float | None = None, metadata: Mapping[str, str] | None = None
    ) -> None:
        request = service_pb2.DeleteThreadRequest(thread_id=thread_id)
        await self._unary(True, timeout, metadata, lambda t, m: self.raw.DeleteThread(request, timeout=t, metadata=m))

    async def copy_thread(
        self,
        request: service_pb2.CopyThreadRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        await self._unary(True, timeout, metadata, lambda t, m: self.raw.CopyThread(request, timeout=t, metadata=m))

    async def delete_for_runs(
        self,
        request: service_pb2.DeleteForRunsRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.DeleteForRunsResponse:
        response: service_pb2.DeleteForRunsResponse = await self._unary(
            True, timeout, metadata, lambda t, m: self.raw.DeleteForRuns(request, timeout=t, metadata=m)
        )
        return response

    async def prune(
        self,
        request: service_pb2.PruneRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        await self._unary(True, timeout, metadata, lambda t, m: self.raw.Prune(request, timeout=t, metadata=m))

    async def resume(
        self,
        request: service_pb2.ResumeRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.ResumeResponse:
        """Answers an interrupt. Retried only when it carries an idempotency key."""
        idempotent = request.idempotency_key != ""
        response: service_pb2.ResumeResponse = await self._unary(
            idempotent, timeout, metadata, lambda t, m: self.raw.Resume(request, timeout=t, metadata=m)
        )
        return response

    async def claim_resume(
        self,
        request: service_pb2.ClaimResumeRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.ClaimResumeResponse:
        """Takes a pending resume for one worker. Retried only when it names the resume (``resume_id``):
        the server answers a worker's repeated claim of a named resume the same, while "the oldest
        pending one" could be another resume the second time."""
        idempotent = request.resume_id != ""
        response: service_pb2.ClaimResumeResponse = await self._unary(
            idempotent, timeout, metadata, lambda t, m: self.raw.ClaimResume(request, timeout=t, metadata=m)
        )
        return response

    async def subscribe(
        self, request: service_pb2.SubscribeRequest, *, metadata: Mapping[str, str] | None = None
    ) -> AsyncIterator[service_pb2.SubscribeResponse]:
        """One thread's events over server streaming (no reconnect: see watch())."""
        if self._closed:
            raise ClientClosedError()
        call = self.raw.Subscribe(request, metadata=await self._metadata(metadata))
        try:
            while (response := await call.read()) is not grpc.aio.EOF:
                yield response
        except grpc.RpcError as error:
            raise CheckpointdError.from_rpc_error(error) from error
        finally:
            call.cancel()

    def watch(
        self,
        threads: Iterable[str | WatchThread] = (),
        *,
        heartbeats: bool = False,
        reconnect: ReconnectPolicy | None = None,
        on_reconnect: Callable[[int, BaseException | None], None] | None = None,
    ) -> AsyncThreadWatch:
        """Watches threads; reconnects and resubscribes from the last event id seen per thread."""
        if self._closed:
            raise ClientClosedError()
        return AsyncThreadWatch(
            self.raw,
            self._metadata,
            threads,
            heartbeats=heartbeats,
            reconnect=reconnect,
            on_reconnect=on_reconnect,
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
