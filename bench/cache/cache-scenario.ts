/** What one row of the cache benchmark measures. */
export interface CacheScenario {
  id: CacheScenarioId;
  /** Row label in the report. */
  title: string;
  /**
   * "stub": the transport harness's grpc-js stub (bare echo, no storage).
   * Otherwise the real checkpointd process with these flags, and REDIS_URL when `redis` is true.
   */
  server: "stub" | { args: readonly string[]; redis: boolean };
  /** "latest": GetTuple {thread_id} of one hot thread. "miss": GetTuple by id, a distinct never-read (thread, id) per request. */
  request: "latest" | "miss";
}

export const cacheScenarioIds = ["hit-redis", "hit-lru", "miss-redis", "no-cache", "echo"] as const;
export type CacheScenarioId = (typeof cacheScenarioIds)[number];

export const cacheScenarios: readonly CacheScenario[] = [
  { id: "hit-redis", title: "L1 hit (Redis)", server: { args: ["--cache", "auto"], redis: true }, request: "latest" },
  { id: "hit-lru", title: "L1 hit (in-process LRU)", server: { args: ["--cache", "auto"], redis: false }, request: "latest" },
  { id: "miss-redis", title: "L1 miss (Redis)", server: { args: ["--cache", "auto"], redis: true }, request: "miss" },
  { id: "no-cache", title: "no cache (`--cache off`)", server: { args: ["--cache", "off"], redis: false }, request: "latest" },
  { id: "echo", title: "bare echo (grpc-js stub)", server: "stub", request: "latest" },
];
