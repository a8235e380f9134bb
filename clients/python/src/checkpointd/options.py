"""Client options: retries, TLS, the metadata (auth) hook, deadlines."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

#: Extra request metadata (``authorization``, a tenant id), asked for before every call and
#: every (re)connect of a watch. The asyncio client also accepts a coroutine function.
MetadataProvider = Callable[[], Mapping[str, str]]
AsyncMetadataProvider = Callable[[], Mapping[str, str] | Awaitable[Mapping[str, str]]]

#: A bearer token, or a function asked for it before every call, retry and watch reconnect (to
#: refresh it); the asyncio client also accepts a coroutine function.
TokenProvider = str | Callable[[], str | Awaitable[str]]


@dataclass(frozen=True)
class RetryPolicy:
    """Jittered exponential backoff for ``UNAVAILABLE`` on idempotent calls."""

    #: Attempts in all, the first one included. 1 turns retries off.
    max_attempts: int = 10
    #: The first backoff, in seconds.
    initial_backoff: float = 0.1
    #: No backoff is longer than this, in seconds.
    max_backoff: float = 2.0
    #: Each backoff is this many times the one before (before jitter).
    multiplier: float = 2.0


#: Retries off.
NO_RETRY = RetryPolicy(max_attempts=1)


@dataclass(frozen=True)
class ReconnectPolicy:
    """How a watch reconnects after its stream failed."""

    #: Consecutive failed connections before the watch gives up and raises.
    max_attempts: int = 30
    initial_backoff: float = 0.1
    max_backoff: float = 5.0
    multiplier: float = 2.0


@dataclass(frozen=True)
class TlsOptions:
    """TLS to the server; the default (all ``None``) trusts the system's roots."""

    #: PEM roots to trust instead of the system's (a private CA).
    root_certificates: bytes | None = None
    #: PEM client key and certificate chain, for mutual TLS.
    private_key: bytes | None = None
    certificate_chain: bytes | None = None
    #: The name the server's certificate must carry, when it differs from the host dialled.
    server_hostname: str | None = None


@dataclass(frozen=True)
class ClientOptions:
    """Everything a client is made from but its address."""

    #: TLS; ``None`` follows the address (``https://`` means TLS with system roots).
    tls: bool | TlsOptions | None = None
    #: Deadline of a unary call in seconds, retries included; ``None``: no deadline.
    timeout: float | None = 10.0
    #: Deadline of a whole ``List`` stream in seconds, retries included; ``None``: no deadline.
    list_timeout: float | None = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    #: HTTP/2 keepalive pings this often (seconds) on open streams, to notice a dead peer.
    keepalive: float = 30.0
    #: Extra grpc channel arguments, e.g. ``("grpc.max_receive_message_length", 32 << 20)``.
    channel_options: tuple[tuple[str, int | str], ...] = ()
    #: Sent as ``authorization: Bearer <token>`` with every call (see ``TokenProvider``); the
    #: metadata provider's and a call's own ``authorization`` win over it.
    token: TokenProvider | None = None
    #: Metadata added to every call (see ``MetadataProvider``).
    metadata: AsyncMetadataProvider | None = None
    #: The asyncio client sends the Put, PutWrites and GetTuple calls made in one event-loop
    #: turn as one ``Batch`` RPC (a call alone goes at once, as itself); False sends each alone.
    batch: bool = True
