/** Where a checkpointd server is, and whether the address itself asks for TLS. */
export interface ParsedAddress {
  /** `http://host:port` or `https://host:port`, for the transport. */
  baseUrl: string;
  host: string;
  port: number;
  /** True for an https:// address. */
  tls: boolean;
}

/**
 * Accepts `host:port`, `[v6]:port`, `http://host:port` and `https://host:port`
 * (a trailing slash is fine; a path is not). The port is required for a bare
 * address and defaults to 80 / 443 for a URL.
 */
export function parseAddress(address: string): ParsedAddress {
  const trimmed = address.trim();
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed);
  let url: URL;
  try {
    url = new URL(hasScheme ? trimmed : `http://${trimmed}`);
  } catch {
    throw new Error(`checkpointd address "${address}": expected host:port or http(s)://host:port`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`checkpointd address "${address}": the scheme must be http or https, not ${url.protocol.slice(0, -1)}`);
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "" || url.username !== "") {
    throw new Error(`checkpointd address "${address}": expected host:port or http(s)://host:port, with nothing after the port`);
  }
  if (!hasScheme && url.port === "") {
    throw new Error(`checkpointd address "${address}": a port is required (host:port)`);
  }
  const tls = url.protocol === "https:";
  const port = url.port === "" ? (tls ? 443 : 80) : Number(url.port);
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { baseUrl: `${url.protocol}//${url.host}`, host, port, tls };
}
