import type { CaseMeasurement, CpuPerOp } from "./measure-case.js";

/** Median of the values (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One case at one concurrency over every round: medians of the per-round figures, totals of counts. */
export interface CaseSummary {
  caseId: string;
  concurrency: number;
  rounds: number;
  ops: number;
  errors: number;
  opsPerSecond: number;
  opsPerSecondRange: [number, number];
  p50Ms: number;
  p99Ms: number;
  cpu: CpuPerOp;
  cache: { hits: number; misses: number; fills: number } | undefined;
  /** The measurements themselves, by round (for per-round ratios). */
  byRound: Map<number, CaseMeasurement>;
}

export function summarizeCase(measurements: readonly CaseMeasurement[]): CaseSummary {
  const first = measurements[0];
  if (first === undefined) throw new Error("no measurements to summarize");
  const rates = measurements.map((m) => m.loop.opsPerSecond);
  const cpu = (key: keyof CpuPerOp) => median(measurements.map((m) => m.cpu[key]));
  const caches = measurements.map((m) => m.cache).filter((c) => c !== undefined);
  return {
    caseId: first.caseId,
    concurrency: first.concurrency,
    rounds: measurements.length,
    ops: measurements.reduce((total, m) => total + m.loop.ops, 0),
    errors: measurements.reduce((total, m) => total + m.loop.errors, 0),
    opsPerSecond: median(rates),
    opsPerSecondRange: [Math.min(...rates), Math.max(...rates)],
    p50Ms: median(measurements.map((m) => m.loop.latency.p50Ms)),
    p99Ms: median(measurements.map((m) => m.loop.latency.p99Ms)),
    cpu: { bench: cpu("bench"), checkpointd: cpu("checkpointd"), postgres: cpu("postgres"), redis: cpu("redis") },
    cache:
      caches.length === 0
        ? undefined
        : {
            hits: caches.reduce((t, c) => t + c.hits, 0),
            misses: caches.reduce((t, c) => t + c.misses, 0),
            fills: caches.reduce((t, c) => t + c.fills, 0),
          },
    byRound: new Map(measurements.map((m) => [m.round, m])),
  };
}

/** Summaries keyed `caseId@concurrency`. */
export function summarizeAll(measurements: readonly CaseMeasurement[]): Map<string, CaseSummary> {
  const groups = new Map<string, CaseMeasurement[]>();
  for (const m of measurements) {
    const key = `${m.caseId}@${m.concurrency}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return new Map([...groups].map(([key, group]) => [key, summarizeCase(group)]));
}

/** A ratio of medians, and its range over the rounds (ratio of the two within each round). */
export interface Ratio {
  value: number;
  range: [number, number];
}

export function ratioOf(a: CaseSummary, b: CaseSummary, pick: (m: CaseMeasurement) => number, overall: number): Ratio {
  const perRound: number[] = [];
  for (const [round, ma] of a.byRound) {
    const mb = b.byRound.get(round);
    if (mb !== undefined) perRound.push(pick(ma) / pick(mb));
  }
  return { value: overall, range: [Math.min(...perRound), Math.max(...perRound)] };
}
