"""The synchronous checkpointd client (grpc)."""

from __future__ import annotations

import datetime
import inspect
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import grpc

from .client_base import (
    ClientBase,
    Metadata,
    bearer_authorization,
    get_tuple_at_request,
    merge_metadata,
    stream_errors,
)
from .options import ClientOptions, ReconnectPolicy
from .retry import call_with_retries
from .v1 import checkpoint_pb2
from .v1 import checkpoint_service_pb2 as service_pb2
from .watch import ThreadWatch
from .watch_state import WatchThread


class CheckpointdClient(ClientBase):
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
        super().__init__(grpc, address, options, overrides)

    def _metadata(self, extra: Mapping[str, str] | None = None) -> Metadata:
        provided = self._provided_metadata()
        if inspect.isawaitable(provided):
            raise TypeError(
                "CheckpointdClient: the metadata provider returned an awaitable; use AsyncCheckpointdClient"
            )
        token = self._provided_token()
        if inspect.isawaitable(token):
            if inspect.iscoroutine(token):
                token.close()  # never awaited: closed, so that it is not reported as forgotten
            raise TypeError("CheckpointdClient: the token function returned an awaitable; use AsyncCheckpointdClient")
        return merge_metadata(provided, extra, None if token is None else bearer_authorization(token))

    def _unary(self, rpc: str, request: Any, timeout: float | None, metadata: Mapping[str, str] | None) -> Any:
        attempts = self._unary_attempts(rpc, request, timeout)
        method = getattr(self.raw, rpc)
        return call_with_retries(
            lambda left: method(request, timeout=left, metadata=self._metadata(metadata)), attempts
        )

    # -- calls: each one's retry rule is call_rules.is_idempotent ---------------------------------

    def put(
        self,
        request: service_pb2.PutRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.PutResponse:
        response: service_pb2.PutResponse = self._unary("Put", request, timeout, metadata)
        return response

    def put_writes(
        self,
        request: service_pb2.PutWritesRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        self._unary("PutWrites", request, timeout, metadata)

    def get_tuple(
        self,
        request: service_pb2.GetTupleRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> checkpoint_pb2.CheckpointTuple | None:
        """The tuple, or None when nothing matched."""
        response: service_pb2.GetTupleResponse = self._unary("GetTuple", request, timeout, metadata)
        return response.tuple if response.HasField("tuple") else None

    def get_tuple_at(
        self,
        thread_id: str,
        at: datetime.datetime,
        *,
        checkpoint_ns: str = "",
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> checkpoint_pb2.CheckpointTuple | None:
        """Point in time: the latest checkpoint of the thread and namespace whose ``ts`` is at or
        before ``at`` (timezone-aware), or None when there is none (the thread did not exist yet,
        or retention swept that range). Read from the database, never from the server's cache."""
        return self.get_tuple(get_tuple_at_request(thread_id, at, checkpoint_ns), timeout=timeout, metadata=metadata)

    def get_delta_channel_history(
        self,
        request: service_pb2.GetDeltaChannelHistoryRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.GetDeltaChannelHistoryResponse:
        """For LangGraph's DeltaChannel: per channel, the writes along the checkpoint's parent chain
        and the nearest stored value (seed), in one round trip."""
        response: service_pb2.GetDeltaChannelHistoryResponse = self._unary(
            "GetDeltaChannelHistory", request, timeout, metadata
        )
        return response

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
        attempts = self._list_attempts(timeout)

        def open_stream(left: float | None) -> tuple[Any, service_pb2.ListResponse | None]:
            call = self.raw.List(request, timeout=left, metadata=self._metadata(metadata))
            return call, next(call, None)

        call, first = call_with_retries(open_stream, attempts)
        with stream_errors(call):
            for response in itertools.chain([] if first is None else [first], call):
                if response.HasField("tuple"):
                    yield response.tuple

    def delete_thread(
        self, thread_id: str, *, timeout: float | None = None, metadata: Mapping[str, str] | None = None
    ) -> None:
        self._unary("DeleteThread", service_pb2.DeleteThreadRequest(thread_id=thread_id), timeout, metadata)

    def copy_thread(
        self,
        request: service_pb2.CopyThreadRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        self._unary("CopyThread", request, timeout, metadata)

    def delete_for_runs(
        self,
        request: service_pb2.DeleteForRunsRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.DeleteForRunsResponse:
        response: service_pb2.DeleteForRunsResponse = self._unary("DeleteForRuns", request, timeout, metadata)
        return response

    def set_retention(
        self,
        request: service_pb2.SetRetentionRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.Thread:
        """Replaces a thread's retention policy (no policy: the server's defaults); returns the thread."""
        response: service_pb2.SetRetentionResponse = self._unary("SetRetention", request, timeout, metadata)
        return response.thread

    def get_thread(
        self, thread_id: str, *, timeout: float | None = None, metadata: Mapping[str, str] | None = None
    ) -> service_pb2.Thread:
        """A thread's size, clock and retention policy (checkpoint_count 0 when nothing is stored)."""
        request = service_pb2.GetThreadRequest(thread_id=thread_id)
        response: service_pb2.GetThreadResponse = self._unary("GetThread", request, timeout, metadata)
        return response.thread

    def get_thread_storage(
        self,
        thread_id: str,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.GetThreadStorageResponse:
        """How much the thread stores, per channel and in total: logical (as written) against stored bytes."""
        request = service_pb2.GetThreadStorageRequest(thread_id=thread_id)
        response: service_pb2.GetThreadStorageResponse = self._unary("GetThreadStorage", request, timeout, metadata)
        return response

    def prune(
        self,
        request: service_pb2.PruneRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        self._unary("Prune", request, timeout, metadata)

    def resume(
        self,
        request: service_pb2.ResumeRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.ResumeResponse:
        """Answers an interrupt. Retried only when it carries an idempotency key."""
        response: service_pb2.ResumeResponse = self._unary("Resume", request, timeout, metadata)
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
        response: service_pb2.ClaimResumeResponse = self._unary("ClaimResume", request, timeout, metadata)
        return response

    def acquire_lease(
        self,
        request: service_pb2.AcquireLeaseRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.AcquireLeaseResponse:
        """Takes a thread's lease (docs/protocol.md, "Leases"). Never retried: a retry could take a
        second lease. Held by another: CheckpointdError FAILED_PRECONDITION naming the holder."""
        response: service_pb2.AcquireLeaseResponse = self._unary("AcquireLease", request, timeout, metadata)
        return response

    def renew_lease(
        self,
        request: service_pb2.RenewLeaseRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> service_pb2.RenewLeaseResponse:
        response: service_pb2.RenewLeaseResponse = self._unary("RenewLease", request, timeout, metadata)
        return response

    def release_lease(
        self,
        request: service_pb2.ReleaseLeaseRequest,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> bool:
        """False when the lease had already ended."""
        response: service_pb2.ReleaseLeaseResponse = self._unary("ReleaseLease", request, timeout, metadata)
        return response.released

    def subscribe(
        self, request: service_pb2.SubscribeRequest, *, metadata: Mapping[str, str] | None = None
    ) -> Iterator[service_pb2.SubscribeResponse]:
        """One thread's events over server streaming (no reconnect: see watch())."""
        self._ensure_open()
        call = self.raw.Subscribe(request, metadata=self._metadata(metadata))
        with stream_errors(call, request.thread_id):
            yield from call

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
        self._ensure_open()
        return ThreadWatch(
            self.raw, self._metadata, threads, heartbeats=heartbeats, reconnect=reconnect, on_reconnect=on_reconnect
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
