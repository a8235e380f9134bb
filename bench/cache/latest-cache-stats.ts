/** The L1 counters checkpointd logs every --stats-interval-seconds (the part the benchmark checks). */
export interface CacheCounters {
  hits: number;
  misses: number;
  fills: number;
  state: string;
}

const isCounters = (value: unknown): value is CacheCounters =>
  typeof value === "object" &&
  value !== null &&
  ["hits", "misses", "fills"].every((key) => typeof (value as Record<string, unknown>)[key] === "number");

/** The last `"msg":"cache stats"` line in checkpointd's stdout (pino JSON), or undefined. */
export function latestCacheStats(stdout: string): CacheCounters | undefined {
  const lines = stdout.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? "";
    if (!line.includes('"msg":"cache stats"')) continue;
    try {
      const parsed = JSON.parse(line) as { cache?: unknown };
      if (isCounters(parsed.cache)) return parsed.cache;
    } catch {
      // a partial line: keep looking
    }
  }
  return undefined;
}
