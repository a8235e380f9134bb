import { Code, ServiceError, ShuttingDownError, type ErrorLogger } from "./service-error.js";

/**
 * What a client may be told about a failure: a ServiceError keeps its code and
 * text (and metadata); anything else is INTERNAL with no detail. Unexpected failures (INTERNAL,
 * ABORTED, UNAVAILABLE other than a shutdown) are logged. Every adapter maps errors with it.
 */
export interface ClientSafeStatus {
  code: Code;
  message: string;
  /** Sent beside the status on every transport (gRPC trailers, Connect error metadata). */
  metadata?: Readonly<Record<string, string>> | undefined;
}

export function clientSafeStatus(error: unknown, method: string, logError: ErrorLogger | undefined): ClientSafeStatus {
  if (error instanceof ServiceError) {
    if (
      (error.code === Code.Unavailable || error.code === Code.Internal || error.code === Code.Aborted) &&
      !(error instanceof ShuttingDownError)
    )
      logError?.(error, method);
    return error.metadata === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, metadata: error.metadata };
  }
  logError?.(error, method);
  return { code: Code.Internal, message: "internal error (logged on the server)" };
}
