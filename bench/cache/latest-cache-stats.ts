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

/**
 * The stats line reads the metrics registry: its counters are named after the metrics
 * (`hits_total`, ..., `degraded` 0/1). Older servers logged `hits`, ..., `state`.
 */
function normalize(cache: unknown): unknown {
  if (typeof cache !== "object" || cache === null) return cache;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cache as Record<string, unknown>)) out[key.replace(/_total$/, "")] = value;
  if (out.state === undefined && typeof out.degraded === "number") out.state = out.degraded === 1 ? "degraded" : "ok";
  return out;
}

/** The last `"msg":"cache stats"` line in checkpointd's stdout (pino JSON), or undefined. */
export function latestCacheStats(stdout: string): CacheCounters | undefined {
  const lines = stdout.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? "";
    if (!line.includes('"msg":"cache stats"')) continue;
    try {
      const cache = normalize((JSON.parse(line) as { cache?: unknown }).cache);
      if (isCounters(cache)) return cache;
    } catch {
      // a partial line: keep looking
    }
  }
  return undefined;
}
