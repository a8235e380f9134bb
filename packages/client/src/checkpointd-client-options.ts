import type { Interceptor } from "@connectrpc/connect";
import type { TokenProvider } from "./bearer-token.js";

/** Extra request headers (auth tokens, tenant ids), asked for before every call and every (re)connect. */
export type HeadersProvider = () => Record<string, string> | Promise<Record<string, string>>;

/** TLS to the server. `true` uses the system's trusted roots. */
export interface CheckpointdTlsOptions {
  /** PEM roots to trust instead of the system's (a private CA). */
  ca?: string | Buffer;
  /** PEM client certificate and key, for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** The name the server's certificate must carry, when it differs from the host dialled. */
  servername?: string;
  /** Defaults to true. Turning it off accepts any certificate: tests only. */
  rejectUnauthorized?: boolean;
}

/** Jittered exponential backoff for UNAVAILABLE. */
export interface RetryOptions {
  /** Attempts in all, the first one included (default 10). 1 turns retries off. */
  maxAttempts: number;
  /** The first backoff (default 100 ms). */
  initialBackoffMs: number;
  /** No backoff is longer than this (default 2 000 ms). */
  maxBackoffMs: number;
  /** Each backoff is this many times the one before, before jitter (default 2). */
  multiplier: number;
}

export interface CheckpointdClientOptions {
  /** `host:port`, `http://host:port` or `https://host:port` (https implies TLS). */
  address: string;
  /** TLS; implied (with system roots) by an https address. */
  tls?: boolean | CheckpointdTlsOptions;
  /** Deadline of a unary call, retries included (default 10 000 ms). */
  timeoutMs?: number;
  /** Deadline of a whole List stream, retries included (default 60 000 ms). */
  listTimeoutMs?: number;
  /** Retry policy for UNAVAILABLE on idempotent calls; `false` turns retries off. */
  retry?: Partial<RetryOptions> | false;
  /**
   * Sent as `authorization: Bearer <token>` with every call: a string, or a function (sync or async)
   * asked before every call, retry and watch reconnect, so a refreshed token is picked up. A call's
   * own `authorization` header wins over it.
   */
  token?: TokenProvider;
  /** Headers added to every call (e.g. a tenant id); they win over `token`. */
  headers?: HeadersProvider;
  /** Connect interceptors, applied inside the headers hook. */
  interceptors?: Interceptor[];
  /** Send HTTP/2 PINGs this often on open streams (default 30 000 ms), to notice a dead peer. */
  keepAliveMs?: number;
  /**
   * Put, PutWrites and GetTuple calls made in the same turn of the event loop
   * without call options go to the server together, as one Batch request (a call
   * alone still goes as itself). Interceptors then see the Batch. `false` sends
   * every call on its own. Default: on, at most 32 calls a request.
   */
  batch?: false | { maxCalls?: number };
}

/** Options of one call. */
export interface CallOptions {
  /** This call's deadline, retries included; overrides the client's default. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra headers for this call only. */
  headers?: Record<string, string>;
}

export const defaultRetryOptions: Readonly<RetryOptions> = {
  maxAttempts: 10,
  initialBackoffMs: 100,
  maxBackoffMs: 2_000,
  multiplier: 2,
};
