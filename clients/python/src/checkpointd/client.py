"""The synchronous checkpointd client (grpc)."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import grpc

from .address import parse_address
from .channel import channel_arguments, channel_credentials, resolve_tls
from .errors import CheckpointdError, ClientClosedError
from .options import ClientOptions, ReconnectPolicy
from .retry import call_with_retries, deadline_of
from .v1 import checkpoint_pb2
from .v1 import checkpoint_service_pb2 as service_pb2
from .v1 import checkpoint_service_pb2_grpc as service_grpc
from .watch import ThreadWatch
from .watch_state import WatchThread

T = TypeVar("T")
Metadata = list[tuple[str, str]]


def merge_metadata(provided: Mapping[str, str] | None, extra: Mapping[str, str] | None) -> Metadata:
    """gRPC metadata keys are lower case; the call's own entries come last (and win)."""
    merged: dict[str, str] = {}
    for source in (provided, extra):
        if source:
            for key, value in source.items():
                merged[key.lower()] = value
    return list(merged.items())


class CheckpointdClient:
    """A checkpointd client over one gRPC channel (HTTP/2, re-dialled as needed).

    Every unary call has a deadline (``timeout`` seconds: the client's default
    unless the call names one) and is retried with jittered exponential backoff
    on ``UNAVAILABLE`` when it is idempotent — every call but a ``resume``
    without an idempotency key and a ``claim_resume`` without a ``resume_id``
    (as the TypeScript client). Failures raise
    :class:`~checkpointd.CheckpointdError`.

    >>> with CheckpointdClient("127.0.0.1:50051") as client:
    ...     for t in client.list(ListRequest(config=CheckpointConfig(thread_id="t-1"))): ...
    """

    def __init__(self, address: str, options: ClientOptions | None = None, **overrides: Any) -> None:
        """``address`` is ``host:port``, ``http://host:port`` or ``https://host:port`` (TLS).

        ``overrides`` are ClientOptions fields (``timeout=5``, ``metadata=lambda: {...}``, ``tls=...``).
        """
        self.options = dataclasses.replace(options or ClientOptions(), **overrides)
        parsed = parse_address(address)
        tls = resolve_tls(address, parsed, self.options.tls)
        arguments = channel_arguments(self.options, tls)
        if tls is None:
            self._channel = grpc.insecure_channel(parsed.target, options=arguments)
        else:
            self._channel = grpc.secure_channel(parsed.target, channel_credentials(tls), options=arguments)
        #: The generated stub on the same channel: no retries and no default deadline.
        self.raw = service_grpc.CheckpointServiceStub(self._channel)  # type: ignore[no-untyped-call]
        self._closed = False

    # -- plumbing --------------------------------------------------------------------------------

    def _metadata(self, extra: Mapping[str, str] | None = None) -> Metadata:
        provided = self.options.metadata() if self.options.metadata is not None else None
        if inspect.isawaitable(provided):
            raise TypeError(
                "CheckpointdClient: the metadata provider returned an awaitable; use AsyncCheckpointdClient"
            )
        return merge_metadata(provided, extra)

    def _unary(
        self,
        idempotent: bool,
        timeout: float | None,
        metadata: Mapping[str, str] | None,
        run: Callable[[float | None, Metadata], T],
    ) -> T:
        if self._closed:
            raise ClientClosedError()
        return call_with_retries(
            lambda left: run(left, self._metadata(metadata)),
            policy=self.options.retry,
            idempotent=idempotent,
            deadline=deadline_of(self.options.timeout if timeout is None else timeout),
        )

    # -- calls -----------------------------------------------------------------------------------

    def put(
        self,
        request: service_pb2.PutRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.PutResponse:
        response: service_pb2.PutResponse = self._unary(
            True, timeout, metadata, lambda t, m: self.raw.Put(request, timeout=t, metadata=m)
        )
        return response

    def put_writes(
        self,
        request: service_pb2.PutWritesRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        self._unary(True, timeout, metadata, lambda t, m: self.raw.PutWrites(request, timeout=t, metadata=m))

    def get_tuple(
        self,
        request: service_pb2.GetTupleRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> checkpoint_pb2.CheckpointTuple | None:
        """The tuple, or None when nothing matched."""
        response: service_pb2.GetTupleResponse = self._unary(
            True, timeout, metadata, lambda t, m: self.raw.GetTuple(request, timeout=t, metadata=m)
        )
        return response.tuple if response.HasField("tuple") else None

    def list(
        self,
        request: service_pb2.ListRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Iterator[checkpoint_pb2.CheckpointTuple]:
        """History, newest first, as it streams (``timeout`` bounds the whole stream).

        A List that fails with UNAVAILABLE before its first tuple is retried; one
        that fails later raises. Stop iterating (or close the generator) to cancel it.
        """
        if self._closed:
            raise ClientClosedError()
        deadline = deadline_of(self.options.list_timeout if timeout is None else timeout)

        def open_stream(left: float | None) -> tuple[Any, service_pb2.ListResponse | None]:
            call = self.raw.List(request, timeout=left, metadata=self._metadata(metadata))
            return call, next(call, None)

        call, first = call_with_retries(open_stream, policy=self.options.retry, idempotent=True, deadline=deadline)
        try:
            if first is not None and first.HasField("tuple"):
                yield first.tuple
            for response in call:
                if response.HasField("tuple"):
                    yield response.tuple
        except grpc.RpcError as error:
            raise CheckpointdError.from_rpc_error(error) from error
        finally:
            call.cancel()

    def delete_thread(
        self, thread_id: str, *, timeout: float | None = None, metadata: Mapping[str, str] | None = None
    ) -> None:
        request = service_pb2.DeleteThreadRequest(thread_id=thread_id)
        self._unary(True, timeout, metadata, lambda t, m: self.raw.DeleteThread(request, timeout=t, metadata=m))

    def copy_thread(
        self,
        request: service_pb2.CopyThreadRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        self._unary(True, timeout, metadata, lambda t, m: self.raw.CopyThread(request, timeout=t, metadata=m))

    def delete_for_runs(
        self,
        request: service_pb2.DeleteForRunsRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.DeleteForRunsResponse:
        response: service_pb2.DeleteForRunsResponse = self._unary(
            True, timeout, metadata, lambda t, m: self.raw.DeleteForRuns(request, timeout=t, metadata=m)
        )
        return response

    def prune(
        self,
        request: service_pb2.PruneRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        self._unary(True, timeout, metadata, lambda t, m: self.raw.Prune(request, timeout=t, metadata=m))

    def resume(
        self,
        request: service_pb2.ResumeRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.ResumeResponse:
        """Answers an interrupt. Retried only when it carries an idempotency key."""
        idempotent = request.idempotency_key != ""
        response: service_pb2.ResumeResponse = self._unary(
            idempotent, timeout, metadata, lambda t, m: self.raw.Resume(request, timeout=t, metadata=m)
        )
        return response

    def claim_resume(
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
        response: service_pb2.ClaimResumeResponse = self._unary(
            idempotent, timeout, metadata, lambda t, m: self.raw.ClaimResume(request, timeout=t, metadata=m)
        )
        return response

    def subscribe(
        self, request: service_pb2.SubscribeRequest, *, metadata: Mapping[str, str] | None = None
    ) -> Iterator[service_pb2.SubscribeResponse]:
        """One thread's events over server streaming (no reconnect: see watch())."""
        if self._closed:
            raise ClientClosedError()
        call = self.raw.Subscribe(request, metadata=self._metadata(metadata))
        try:
            yield from call
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
    ) -> ThreadWatch:
        """Watches threads over the bidirectional Watch stream.

        Reconnects after failures and resubscribes from the last event id seen for
        each thread, so nothing is missed and nothing is seen twice.
        """
        if self._closed:
            raise ClientClosedError()
        return ThreadWatch(
            self.raw,
            self._metadata,
            threads,
            heartbeats=heartbeats,
            reconnect=reconnect,
            on_reconnect=on_reconnect,
        )

    def close(self) -> None:
        """Closes the channel; calls still in flight fail."""
        if not self._closed:
            self._closed = True
            self._channel.close()

    def __enter__(self) -> CheckpointdClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
