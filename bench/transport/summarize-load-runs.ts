import type { LoadRun } from "./load-run.js";
import type { TransportLibrary } from "./transport-library.js";

export interface LoadSummary<Label extends string = TransportLibrary> {
  library: Label;
  concurrency: number;
  rounds: number;
  /** Responses over all rounds, and the non-OK ones among them. */
  requests: number;
  errors: number;
  /** True when some round was cut short by the time cap. */
  cutShort: boolean;
  /** Medians over rounds. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuMicrosPerRequest: number;
  rpsMin: number;
  rpsMax: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * One row per (library, concurrency), medians over the rounds: grpc-js first,
 * then by concurrency; other labels keep their first-seen order within a
 * concurrency.
 */
export function summarizeLoadRuns<Label extends string = TransportLibrary>(runs: readonly LoadRun<Label>[]): LoadSummary<Label>[] {
  const groups = new Map<string, LoadRun<Label>[]>();
  for (const run of runs) {
    const key = `${run.library}/${run.result.concurrency}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const summaries: LoadSummary<Label>[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    if (!first) continue;
    const rps = group.map((run) => run.result.rps);
    summaries.push({
      library: first.library,
      concurrency: first.result.concurrency,
      rounds: group.length,
      requests: group.reduce((total, run) => total + run.result.count, 0),
      errors: group.reduce((total, run) => total + run.result.errors, 0),
      cutShort: group.some((run) => run.result.endReason !== "normal"),
      rps: median(rps),
      p50Ms: median(group.map((run) => run.result.p50Ms)),
      p99Ms: median(group.map((run) => run.result.p99Ms)),
      serverCpuMicrosPerRequest: median(group.map((run) => run.serverCpuMicrosPerRequest)),
      rpsMin: Math.min(...rps),
      rpsMax: Math.max(...rps),
    });
  }
  const order = (summary: LoadSummary<Label>) => (summary.library === "grpc-js" ? 0 : 1);
  return summaries.sort((a, b) => order(a) - order(b) || a.concurrency - b.concurrency);
}
