"""checkpointd for Python: a typed gRPC client and a LangGraph checkpoint saver.

- :class:`CheckpointdClient` / :class:`AsyncCheckpointdClient`: deadlines, retries on
  ``UNAVAILABLE`` for idempotent calls, a metadata (auth) hook, TLS, ``list()`` as an
  iterator, and ``watch()``, which reconnects and resumes from the last event id.
- :class:`CheckpointdSaver`: ``BaseCheckpointSaver`` for langgraph-checkpoint 4.x
  (imported on first use, so the client alone does not load LangGraph).
- ``checkpointd.v1``: the generated messages and stubs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .address import ParsedAddress, parse_address
from .aio_client import AsyncCheckpointdClient
from .aio_watch import AsyncThreadWatch
from .backoff import backoff_delay
from .client import CheckpointdClient
from .errors import CheckpointdError, ClientClosedError, EventsCompactedError
from .leases import FENCING_TOKEN_HEADER, HeldLease, LeaseLostError, lease_holder_of, wait_for_lease, wait_for_lease_async
from .options import NO_RETRY, ClientOptions, ReconnectPolicy, RetryPolicy, TlsOptions, TokenProvider
from .watch import ThreadWatch
from .watch_state import WatchThread

if TYPE_CHECKING:
    from .saver import CheckpointdSaver

__all__ = [
    "FENCING_TOKEN_HEADER",
    "HeldLease",
    "LeaseLostError",
    "lease_holder_of",
    "wait_for_lease",
    "wait_for_lease_async",
    "NO_RETRY",
    "AsyncCheckpointdClient",
    "AsyncThreadWatch",
    "CheckpointdClient",
    "CheckpointdError",
    "CheckpointdSaver",
    "ClientClosedError",
    "EventsCompactedError",
    "ClientOptions",
    "ParsedAddress",
    "ReconnectPolicy",
    "RetryPolicy",
    "ThreadWatch",
    "TlsOptions",
    "TokenProvider",
    "WatchThread",
    "backoff_delay",
    "parse_address",
]


def __getattr__(name: str) -> Any:
    if name == "CheckpointdSaver":
        from .saver import CheckpointdSaver

        return CheckpointdSaver
    raise AttributeError(f"module 'checkpointd' has no attribute {name!r}")
