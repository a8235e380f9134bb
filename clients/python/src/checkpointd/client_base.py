"""What the synchronous and the asyncio client share: options, one channel, deadlines, retries, metadata."""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

import grpc

from .address import parse_address
from .call_rules import is_idempotent
from .channel import channel_arguments, channel_credentials, resolve_tls
from .errors import CheckpointdError, ClientClosedError, stream_error_of
from .options import ClientOptions
from .retry import Attempts
from .v1 import checkpoint_pb2
from .v1 import checkpoint_service_pb2 as service_pb2
from .v1 import checkpoint_service_pb2_grpc as service_grpc

Metadata = list[tuple[str, str]]

_propagate: Any
try:  # opentelemetry-api is optional: with it, calls carry the caller's trace context.
    from opentelemetry import propagate as _propagate
except ImportError:  # pragma: no cover - exercised where the API is not installed
    _propagate = None


def trace_context() -> dict[str, str]:
    """The current W3C trace context (``traceparent``, ``tracestate``) when OpenTelemetry is active, else empty."""
    carrier: dict[str, str] = {}
    if _propagate is not None:
        _propagate.inject(carrier)
    return carrier


def get_tuple_at_request(thread_id: str, at: datetime.datetime, checkpoint_ns: str) -> service_pb2.GetTupleRequest:
    """GetTuple with ``as_of``: ``at`` must carry its time zone (a naive datetime would mean the
    machine's zone to one caller and UTC to another)."""
    if not isinstance(at, datetime.datetime):
        raise TypeError(f"checkpointd client: at must be a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("checkpointd client: at must be timezone-aware (e.g. datetime.now(timezone.utc))")
    request = service_pb2.GetTupleRequest(
        config=checkpoint_pb2.CheckpointConfig(thread_id=thread_id, checkpoint_ns=checkpoint_ns)
    )
    request.as_of.FromDatetime(at)
    return request


class ChannelModule(Protocol):
    """``grpc`` or ``grpc.aio``: both dial with the same two functions."""

    def insecure_channel(self, target: str, options: Any = ...) -> Any: ...
    def secure_channel(self, target: str, credentials: grpc.ChannelCredentials, options: Any = ...) -> Any: ...


_TOKEN = re.compile(r"[\x21-\x7e]+")


def bearer_authorization(token: object) -> dict[str, str]:
    """``{"authorization": "Bearer <token>"}``. A token is one run of visible ASCII (what JWTs and
    API keys are made of); anything else is refused here rather than sent."""
    if not isinstance(token, str) or _TOKEN.fullmatch(token) is None:
        if isinstance(token, str) and token.startswith("Bearer "):
            raise ValueError('checkpointd client: pass the token without "Bearer " (the client adds it)')
        raise ValueError(
            "checkpointd client: the token must be a non-empty str of visible ASCII, without spaces or line breaks"
        )
    return {"authorization": f"Bearer {token}"}


def merge_metadata(
    provided: Mapping[str, str] | None, extra: Mapping[str, str] | None, token: Mapping[str, str] | None = None
) -> Metadata:
    """gRPC metadata keys are lower case; the token and the caller's trace context first, the call's own entries last (and win)."""
    merged: dict[str, str] = {}
    for source in (token, trace_context(), provided, extra):
        if source:
            for key, value in source.items():
                merged[key.lower()] = value
    return list(merged.items())


@contextmanager
def stream_errors(call: Any, thread_id: str = "") -> Iterator[None]:
    """Around reading a stream: its failure raises CheckpointdError (EventsCompactedError for a
    start behind the thread's compaction point); leaving early cancels the call."""
    try:
        yield
    except grpc.RpcError as error:
        raise stream_error_of(error, thread_id) from error
    finally:
        call.cancel()  # a no-op on a call that ended


class ClientBase:
    """One channel (HTTP/2, re-dialled as needed) and the rules every call on it follows.

    A unary call's attempts share one deadline (``timeout`` seconds: the client's default
    unless the call names one) and a call is retried on ``UNAVAILABLE`` only when
    :func:`~checkpointd.call_rules.is_idempotent`. The metadata provider is asked before
    every attempt; the call's own ``metadata`` wins over it.
    """

    def __init__(self, module: ChannelModule, address: str, options: ClientOptions | None, overrides: Any) -> None:
        self.options = dataclasses.replace(options or ClientOptions(), **overrides)
        if isinstance(self.options.token, str) or (self.options.token is not None and not callable(self.options.token)):
            bearer_authorization(self.options.token)
        parsed = parse_address(address)
        tls = resolve_tls(address, parsed, self.options.tls)
        arguments = channel_arguments(self.options, tls)
        if tls is None:
            self._channel = module.insecure_channel(parsed.target, options=arguments)
        else:
            self._channel = module.secure_channel(parsed.target, channel_credentials(tls), options=arguments)
        #: The generated stub on the same channel: no retries and no default deadline.
        self.raw = service_grpc.CheckpointServiceStub(self._channel)  # type: ignore[no-untyped-call]
        self._closed = False

    def _ensure_open(self) -> None:
        if self._closed:
            raise ClientClosedError()

    def _unary_attempts(self, rpc: str, request: Any, timeout: float | None) -> Attempts:
        """The attempts of a unary call of ``rpc``; raises ClientClosedError on a closed client."""
        self._ensure_open()
        total = self.options.timeout if timeout is None else timeout
        return Attempts(self.options.retry, idempotent=is_idempotent(rpc, request), timeout=total)

    def _list_attempts(self, timeout: float | None) -> Attempts:
        """The attempts that open a List stream (retried until its first tuple arrived)."""
        self._ensure_open()
        total = self.options.list_timeout if timeout is None else timeout
        return Attempts(self.options.retry, idempotent=True, timeout=total)

    def _provided_token(self) -> Any:
        """The token (a str, an awaitable of one, or None)."""
        token = self.options.token
        return token() if callable(token) else token

    def _provided_metadata(self) -> Any:
        """What the metadata provider returns (a mapping, an awaitable of one, or None)."""
        return self.options.metadata() if self.options.metadata is not None else None
