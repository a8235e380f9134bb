/** gRPC status codes the service uses; numerically identical to gRPC's. */
export enum Code {
  Cancelled = 1,
  InvalidArgument = 3,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  Internal = 13,
  Unavailable = 14,
  Unauthenticated = 16,
}

/** Logs a failure that the client sees only as INTERNAL (or UNAVAILABLE). */
export type ErrorLogger = (error: unknown, method: string) => void;

export interface ServiceErrorOptions extends ErrorOptions {
  /** Sent with the status (gRPC trailers, Connect error metadata), e.g. `retry-after-ms`: safe to show, like the message. */
  metadata?: Readonly<Record<string, string>>;
}

/** An error whose message (and metadata) is safe to show a client as is. */
export class ServiceError extends Error {
  readonly metadata: Readonly<Record<string, string>> | undefined;
  constructor(
    readonly code: Code,
    message: string,
    options?: ServiceErrorOptions,
  ) {
    super(message, options);
    this.name = "ServiceError";
    this.metadata = options?.metadata;
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
