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


class ClientClosedError(RuntimeError):
    """The client was closed before the call."""

    def __init__(self) -> None:
        super().__init__("checkpointd client is closed")
