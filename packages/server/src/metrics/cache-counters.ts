/** A cache's counters since it started, and whether it is usable: what the stats line and /metrics report (the cache port calls them CacheStats). */
export interface CacheCounters {
  hits: number;
  misses: number;
  fills: number;
  /** Fills refused because the thread changed since the read that missed. */
  staleFillsRefused: number;
  invalidations: number;
  /** Late Puts that found a newer "latest" and left it. */
  casRejections: number;
  outages: number;
  errors: number;
  /** "ok", or "degraded" while the cache cannot be used (reads go to storage). */
  state: "ok" | "degraded";
  /**
   * What the cache holds, where the process knows it (the in-process cache): entries and their bytes
   * as its bound counts them. Undefined for Redis, whose memory is the Redis server's to report.
   */
  size?: { entries: number; bytes: number } | undefined;
}
