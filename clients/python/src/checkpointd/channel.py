"""Channel arguments and credentials shared by the sync and asyncio clients."""

from __future__ import annotations

import grpc

from .address import ParsedAddress
from .options import ClientOptions, TlsOptions


def resolve_tls(address: str, parsed: ParsedAddress, tls: bool | TlsOptions | None) -> TlsOptions | None:
    """The TLS settings to dial with, or None for plaintext (h2c)."""
    if tls is None:
        return TlsOptions() if parsed.tls else None
    if tls is False:
        if parsed.tls:
            raise ValueError(f'checkpointd address "{address}" is https, but tls is False')
        return None
    return TlsOptions() if tls is True else tls


def channel_credentials(tls: TlsOptions) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=tls.root_certificates,
        private_key=tls.private_key,
        certificate_chain=tls.certificate_chain,
    )


def channel_arguments(options: ClientOptions, tls: TlsOptions | None) -> list[tuple[str, int | str]]:
    """Keepalive on open streams, a reconnect backoff no slower than the retry policy, and no
    retries in grpc itself: the clients' own (retry.py) are the only ones, so a call is never
    attempted more often than the policy says, and grpc does not buffer each call's messages
    for a replay.

    grpc's own default waits 1 s, then 1.6x up to 120 s, before it dials a server
    that was down again, and fails calls at once meanwhile: the retries would
    spend their attempts against a channel that does not try.
    """
    keepalive_ms = max(1_000, int(options.keepalive * 1000))
    arguments: list[tuple[str, int | str]] = [
        ("grpc.keepalive_time_ms", keepalive_ms),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.initial_reconnect_backoff_ms", max(100, int(options.retry.initial_backoff * 1000))),
        ("grpc.min_reconnect_backoff_ms", max(100, int(options.retry.initial_backoff * 1000))),
        ("grpc.max_reconnect_backoff_ms", max(100, int(options.retry.max_backoff * 1000))),
        ("grpc.enable_retries", 0),
    ]
    if tls is not None and tls.server_hostname is not None:
        arguments.append(("grpc.ssl_target_name_override", tls.server_hostname))
    arguments.extend(options.channel_options)
    return arguments
