"""The one exception the clients raise for a failed call."""

from __future__ import annotations

import grpc


class CheckpointdError(Exception):
    """A call to checkpointd failed: ``code`` is the gRPC status, ``details`` the server's message.

    ``INVALID_ARGUMENT`` names the bad field (``config.thread_id is required``);
    ``UNAVAILABLE`` was retried where the call is idempotent, until the policy or
    the deadline ran out.
    """

    def __init__(self, code: grpc.StatusCode, details: str, metadata: dict[str, str] | None = None) -> None:
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details
        #: The status's trailing metadata (e.g. a lease refusal's ``x-checkpointd-lease-holder``).
        self.metadata = metadata or {}

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> CheckpointdError:
        # grpc's errors are also grpc.Call objects, with code() and details().
        code = error.code() if callable(getattr(error, "code", None)) else grpc.StatusCode.UNKNOWN
        details = (error.details() if callable(getattr(error, "details", None)) else None) or str(error)
        trailing = error.trailing_metadata() if callable(getattr(error, "trailing_metadata", None)) else None
        metadata = {k: v for k, v in (trailing or ()) if isinstance(v, str)}
        return cls(code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN, details, metadata)


class EventsCompactedError(CheckpointdError):
    """The server trimmed the thread's event log past where a watch asked to start (its retention
    policy): the events up to ``compacted_through`` are gone. Read the thread's latest state, then
    watch it again from ``after_event_id=compacted_through``. Raised by ``watch()`` and
    ``subscribe()``; never a silent gap."""

    def __init__(self, thread_id: str, compacted_through: int, details: str | None = None) -> None:
        super().__init__(
            grpc.StatusCode.OUT_OF_RANGE,
            details
            or f"events up to {compacted_through} were compacted; "
            f"read the thread's latest state and subscribe after {compacted_through}",
        )
        self.thread_id = thread_id
        self.compacted_through = compacted_through


def stream_error_of(error: grpc.RpcError, thread_id: str) -> CheckpointdError:
    """The CheckpointdError of a failed stream: EventsCompactedError for OUT_OF_RANGE with the
    server's ``compacted-through`` trailer."""
    code = error.code() if callable(getattr(error, "code", None)) else None
    if code == grpc.StatusCode.OUT_OF_RANGE and callable(getattr(error, "trailing_metadata", None)):
        for key, value in error.trailing_metadata() or ():  # type: ignore[attr-defined]
            if key == "compacted-through" and str(value).isdigit():
                details = error.details() if callable(getattr(error, "details", None)) else None  # type: ignore[attr-defined]
                return EventsCompactedError(thread_id, int(value), details)
    return CheckpointdError.from_rpc_error(error)


class ClientClosedError(RuntimeError):
    """The client was closed before the call."""

    def __init__(self) -> None:
        super().__init__("checkpointd client is closed")
