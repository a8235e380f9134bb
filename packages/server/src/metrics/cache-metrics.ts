import { Counter, Gauge, type Registry } from "prom-client";
import type { CacheCounters } from "./cache-counters.js";

export type { CacheCounters };

type CounterName = Exclude<keyof CacheCounters, "state" | "size">;

const counters: readonly [CounterName, string, string][] = [
  ["hits", "checkpointd_cache_hits_total", "Cache reads that found the tuple."],
  ["misses", "checkpointd_cache_misses_total", "Cache reads that went to storage."],
  ["fills", "checkpointd_cache_fills_total", "Tuples read from storage and stored in the cache."],
  [
    "staleFillsRefused",
    "checkpointd_cache_stale_fills_refused_total",
    "Fills refused because the thread changed since the read that missed.",
  ],
  ["invalidations", "checkpointd_cache_invalidations_total", "Entries dropped after a committed write."],
  ["casRejections", "checkpointd_cache_cas_rejections_total", "Late Puts that found a newer latest entry and left it."],
  ["outages", "checkpointd_cache_outages_total", "Times the cache became unusable (degraded)."],
  ["errors", "checkpointd_cache_errors_total", "Cache operations that failed."],
];

/** The checkpointd_cache_* metrics over a cache's counters; `source` is read at each scrape. */
export function observeCache(registry: Registry, source: () => CacheCounters): void {
  for (const [key, name, help] of counters) {
    let reported = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const value = source()[key];
        if (value > reported) this.inc(value - reported);
        reported = value;
      },
    });
  }
  new Gauge({
    name: "checkpointd_cache_degraded",
    help: "1 while the cache cannot be used (reads go to storage), else 0.",
    registers: [registry],
    collect() {
      this.set(source().state === "degraded" ? 1 : 0);
    },
  });
  // Only for a cache that knows its size: a 0 for Redis would read as an empty cache.
  if (source().size === undefined) return;
  for (const [key, name, help] of [
    ["entries", "checkpointd_cache_entries", "Tuples the in-process cache holds."],
    ["bytes", "checkpointd_cache_bytes", "Bytes the in-process cache holds, as --cache-max-bytes counts them."],
  ] as const) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(source().size?.[key] ?? 0);
      },
    });
  }
}
