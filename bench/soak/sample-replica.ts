import { readdirSync, readFileSync } from "node:fs";

export interface ReplicaSample {
  rssMiB: number;
  openFds: number;
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
