/** One saver's graph loop: a language, a saver, a thread count, a round, under one PostgreSQL configuration. */
export interface GraphMeasurement {
  language: "js" | "python";
  saver: "postgresSaver" | "checkpointd";
  threads: number;
  round: number;
  invokes: number;
  errors: number;
  firstError: string | null;
  invokesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** RPCs checkpointd received per invoke (counted by a client interceptor; a Batch is one); undefined for PostgresSaver. */
  rpcsPerInvoke: number | undefined;
  /** CPU µs per invoke: the worker (the process running the graph and its saver), checkpointd, PostgreSQL, redis-server. */
  cpu: { worker: number; checkpointd: number; postgres: number; redis: number };
}

/** CPU (µs) used so far by the shared services. */
export type ServiceCpu = () => { checkpointd: number; postgres: number; redis: number };

/** What a graph loop runs: how many threads, how many invokes at most in all, for how long at most. */
export interface GraphLoopBounds {
  threads: number;
  maxInvokes: number;
  maxSeconds: number;
  warmInvokes: number;
}
