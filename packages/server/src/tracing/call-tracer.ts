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

/** What group commit needs of the tracer: the put's context, and spans around what is written. */
export interface GroupTracer {
  /** The caller's context (its server span), taken when a put is handed in. */
  capture(): unknown;
  /** Runs a put written by itself in its caller's context: its statements are children of the caller's span. */
  alone<T>(captured: unknown, fn: () => Promise<T>): Promise<T>;
  /** Runs a group's statement in a group-commit span linked both ways with each put's span. */
  group<T>(captured: readonly unknown[], size: number, fn: () => Promise<T>): Promise<T>;
}

/** Client spans around round trips (Redis calls). */
export interface SpanRunner {
  /** Runs fn in a client span, a child of the current span; with no current span, runs fn alone. */
  run<T>(name: string, attributes: Record<string, string | number>, fn: () => Promise<T>): Promise<T>;
}

/** Tracing once it is on: the hooks each layer records through. */
export interface Tracing {
  calls: CallTracer;
  groups: GroupTracer;
  spans: SpanRunner;
  /** A finished SQL statement (Kysely's log): a child span of the current one, if any. */
  statement(sql: string, durationMs: number, error: unknown): void;
  /** Flushes and stops the exporter. */
  shutdown(): Promise<void>;
}
