/** A listening server of either port (grpc-js, or Connect / gRPC-Web). */
export interface RunningServer {
  /** The port actually bound. */
  port: number;
  /** Stops accepting calls, waits up to graceMs for in-flight ones, then cancels the rest. */
  shutdown(graceMs: number): Promise<void>;
}
