import { Code, ServiceError, ShuttingDownError, type ErrorLogger } from "./service-error.js";

/**
 * What a client may be told about a failure: a ServiceError keeps its code and
 * text; anything else is INTERNAL with no detail. Unexpected failures (INTERNAL,
 * ABORTED, UNAVAILABLE other than a shutdown) are logged. Every adapter maps errors with it.
 */
export function clientSafeStatus(error: unknown, method: string, logError: ErrorLogger | undefined): { code: Code; message: string } {
  if (error instanceof ServiceError) {
    if (
      (error.code === Code.Unavailable || error.code === Code.Internal || error.code === Code.Aborted) &&
      !(error instanceof ShuttingDownError)
    )
      logError?.(error, method);
    return { code: error.code, message: error.message };
  }
  logError?.(error, method);
  return { code: Code.Internal, message: "internal error (logged on the server)" };
}
