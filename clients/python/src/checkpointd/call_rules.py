"""Which calls are retried and which failures reconnect a watch: the one place both clients ask.

The same rules as the TypeScript and Go clients (docs/protocol.md, docs/client-rules.json):
``UNAVAILABLE`` on an idempotent call is retried. Which calls are idempotent is each method's
``idempotency_level`` in the proto, read here from the generated descriptor; ``Resume`` and
``ClaimResume`` have none and are idempotent only with an ``idempotency_key`` / a ``resume_id``.
"""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import descriptor_pb2

from .v1 import checkpoint_service_pb2 as _service_pb2

#: Stream failures after which reconnecting can help; others (bad arguments, auth) end the watch.
RECONNECT_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
    }
)


def method_name(method: str | bytes) -> str:
    """``Put`` from ``Put`` or ``/checkpointd.v1.CheckpointService/Put`` (str or bytes)."""
    text = method.decode() if isinstance(method, bytes) else method
    return text.rsplit("/", 1)[-1]


def is_idempotent(method: str | bytes, request: Any) -> bool:
    """True when repeating the call cannot do more than doing it once.

    A ``Resume`` is repeated safely only with an ``idempotency_key`` (the server answers a
    repeat with the first answer); a ``ClaimResume`` only when it names the resume
    (``resume_id``): "the oldest pending one" could be another resume the second time.
    """
    name = method_name(method)
    if name == "Resume":
        return bool(request.idempotency_key)
    if name == "ClaimResume":
        return bool(request.resume_id)
    return name in _IDEMPOTENT_METHODS


_LEVELS = descriptor_pb2.MethodOptions.IdempotencyLevel
#: The methods the proto marks ``IDEMPOTENT`` or ``NO_SIDE_EFFECTS``.
_IDEMPOTENT_METHODS = frozenset(
    m.name
    for m in _service_pb2.DESCRIPTOR.services_by_name["CheckpointService"].methods
    if m.GetOptions().idempotency_level in (_LEVELS.IDEMPOTENT, _LEVELS.NO_SIDE_EFFECTS)
)


def retryable(code: grpc.StatusCode | None) -> bool:
    """True for the failures a retry of an idempotent call can get past."""
    return bool(code == grpc.StatusCode.UNAVAILABLE)


def reconnects_watch(code: grpc.StatusCode | None) -> bool:
    """True for the stream failures after which a watch reconnects (and resubscribes)."""
    return code in RECONNECT_CODES


def status_code(error: BaseException) -> grpc.StatusCode | None:
    """The gRPC status of a failed call, or None for an error that has none."""
    code = getattr(error, "code", None)
    value = code() if callable(code) else None
    return value if isinstance(value, grpc.StatusCode) else None
