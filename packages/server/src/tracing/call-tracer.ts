/** Request headers as both transports give them (gRPC metadata, Fetch Headers). */
export interface HeaderReader {
  get(name: string): string | null;
}

/** The server span of one call. */
export interface CallSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Runs fn with this span as the active context: what fn starts (statements, cache calls) are its children. */
  run<T>(fn: () => T): T;
  /** Ends the span with the call's gRPC code. */
  end(code: number, message?: string): void;
}

/** Starts server spans; only exists when tracing is on, so a server without it pays nothing per call. */
export interface CallTracer {
  /** `method` is `package.Service/Method`; the context's headers carry the caller's traceparent. */
  start(method: string, context: { requestHeader?: HeaderReader | undefined }): CallSpan;
}
