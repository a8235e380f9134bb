/** gRPC status codes the service uses; numerically identical to gRPC's. */
export enum Code {
  Cancelled = 1,
  InvalidArgument = 3,
  ResourceExhausted = 8,
  Aborted = 10,
  Internal = 13,
  Unavailable = 14,
}

/** Logs a failure that the client sees only as INTERNAL (or UNAVAILABLE). */
export type ErrorLogger = (error: unknown, method: string) => void;

/** An error whose message is safe to show a client as is. */
export class ServiceError extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ServiceError";
  }
}

export function invalidArgument(message: string): ServiceError {
  return new ServiceError(Code.InvalidArgument, message);
}

/** Ends open streams on shutdown: expected, so not logged as a failed call. */
export class ShuttingDownError extends ServiceError {
  constructor() {
    super(Code.Unavailable, "server is shutting down; reconnect to another replica or retry");
    this.name = "ShuttingDownError";
  }
}
