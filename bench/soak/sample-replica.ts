import { readdirSync, readFileSync } from "node:fs";

export interface ReplicaSample {
  rssMiB: number;
  openFds: number;
}

export interface ReplicaMetrics {
  heapUsedMiB: number;
  /** prom-client's event-loop delay p99 (seconds → ms). */
  eventLoopLagP99Ms: number;
}

/** Heap in use and event-loop lag from the replica's own /metrics (prom-client's Node metrics). */
export async function scrapeReplica(metricsPort: number): Promise<ReplicaMetrics> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, "m").exec(text)?.[1] ?? NaN);
  return {
    heapUsedMiB: value("nodejs_heap_size_used_bytes") / 2 ** 20,
    eventLoopLagP99Ms: value("nodejs_eventloop_lag_p99_seconds") * 1000,
  };
}

/** RSS and open file descriptors of a process, from /proc (Linux); undefined once it is gone. */
export function sampleReplica(pid: number): ReplicaSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return { rssMiB: rssKiB / 1024, openFds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

/** The q-quantile (0..1) of `values`, or NaN when there are none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
