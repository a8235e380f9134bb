"""Where a checkpointd server is: ``host:port`` or ``http(s)://host:port``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedAddress:
    host: str
    port: int
    #: True for an ``https://`` address.
    tls: bool

    @property
    def target(self) -> str:
        """The gRPC target (``host:port``, IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_address(address: str) -> ParsedAddress:
    """Accepts ``host:port``, ``[v6]:port``, ``http://host:port`` and ``https://host:port``.

    A trailing slash is fine; a path is not. The port is required for a bare
    address and defaults to 80 / 443 for a URL (as the TypeScript client's).
    """
    trimmed = address.strip()
    has_scheme = _SCHEME.match(trimmed) is not None
    try:
        url = urlsplit(trimmed if has_scheme else f"http://{trimmed}")
        port = url.port
    except ValueError:
        raise ValueError(f'checkpointd address "{address}": expected host:port or http(s)://host:port') from None
    if url.scheme not in ("http", "https"):
        raise ValueError(f'checkpointd address "{address}": the scheme must be http or https, not {url.scheme}')
    if url.path not in ("", "/") or url.query or url.fragment or url.username is not None:
        raise ValueError(
            f'checkpointd address "{address}": expected host:port or http(s)://host:port, with nothing after the port'
        )
    if not url.hostname:
        raise ValueError(f'checkpointd address "{address}": a host is required')
    if not has_scheme and port is None:
        raise ValueError(f'checkpointd address "{address}": a port is required (host:port)')
    tls = url.scheme == "https"
    return ParsedAddress(host=url.hostname, port=port if port is not None else (443 if tls else 80), tls=tls)
