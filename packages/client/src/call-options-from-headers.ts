import { parseTimeout } from "@connectrpc/connect/protocol-grpc";
import type { CallOptions } from "@grpc/grpc-js";

/**
 * grpc-js call options from Connect request headers: the deadline is the `grpc-timeout` header
 * (set from the call's timeoutMs, or by an interceptor), as gRPC itself sends it.
 */
export function callOptionsFromHeaders(header: Headers): CallOptions {
  const timeout = parseTimeout(header.get("grpc-timeout"), Number.MAX_SAFE_INTEGER);
  if (timeout.error !== undefined) throw timeout.error;
  return timeout.timeoutMs === undefined ? {} : { deadline: Date.now() + timeout.timeoutMs };
}
