import { Code, ConnectError } from "@connectrpc/connect";
import { abortableSleep } from "./abortable-sleep.js";
import { backoffDelay } from "./backoff-delay.js";
import type { RetryOptions } from "./checkpointd-client-options.js";

export interface RetryScope {
  policy: RetryOptions;
  /** Only idempotent calls are retried. */
  idempotent: boolean;
  /** Epoch ms by which the call, retries included, must be done; undefined: none. */
  deadline: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Node and HTTP/2 error codes that mean "the connection failed", wherever they sit in a cause chain. */
const connectionFailures = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_STREAM_CANCEL",
]);

/** The `code` strings along an error's cause chain (duck-typed: errors may come from another realm). */
function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const code: unknown = Reflect.get(current, "code");
    if (typeof code === "string") codes.push(code);
    current = Reflect.get(current, "cause");
  }
  return codes;
}

/**
 * The error as a ConnectError, with a failed connection (refused, reset, a
 * GOAWAY) reported as UNAVAILABLE whatever code the transport gave it.
 */
export function normalizeError(error: unknown): ConnectError {
  const connectError = ConnectError.from(error);
  if (connectError.code === Code.Unavailable || connectError.code === Code.Canceled) return connectError;
  if (causeCodes(error).some((code) => connectionFailures.has(code))) {
    return new ConnectError(connectError.rawMessage, Code.Unavailable, connectError.metadata, undefined, error);
  }
  return connectError;
}

/** UNAVAILABLE (or a failed connection): the server is down, restarting, or shutting down. */
export function isRetryableError(error: unknown): boolean {
  return normalizeError(error).code === Code.Unavailable;
}

/**
 * Runs `attempt` (given the time left to the deadline) until it succeeds, the
 * error is not UNAVAILABLE, the call is not idempotent, the attempts run out,
 * or the next backoff would pass the deadline. Errors are thrown normalized
 * (see normalizeError).
 */
export async function callWithRetries<T>(attempt: (timeoutMs: number | undefined) => Promise<T>, scope: RetryScope): Promise<T> {
  const { policy, deadline, signal } = scope;
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
  for (let n = 1; ; n++) {
    const remaining = deadline === undefined ? undefined : Math.max(1, deadline - Date.now());
    try {
      return await attempt(remaining);
    } catch (error) {
      const normalized = normalizeError(error);
      if (!scope.idempotent || n >= maxAttempts || signal?.aborted || normalized.code !== Code.Unavailable) throw normalized;
      const delay = backoffDelay(n, policy);
      if (deadline !== undefined && Date.now() + delay >= deadline) throw normalized;
      await abortableSleep(delay, signal);
    }
  }
}
