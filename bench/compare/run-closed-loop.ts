import { summarizeLatencies, type LatencySummary } from "../watch/summarize-latencies.js";

/** One operation: `seq` numbers it within the run (0, 1, 2, …), `worker` is the loop that runs it (0 … concurrency-1). */
export type Operation = (seq: number, worker: number) => Promise<void>;

export interface LoopBounds {
  concurrency: number;
  /** No more operations than this are started. */
  maxOps: number;
  /** No operation is started after this long. */
  maxMs: number;
  /** An operation that takes longer counts as an error (and its worker moves on). */
  opTimeoutMs?: number;
}

export interface LoopResult {
  ops: number;
  errors: number;
  firstError: string | undefined;
  elapsedMs: number;
  opsPerSecond: number;
  latency: LatencySummary;
  /** "count" when maxOps ran, "time" when maxMs cut it short. */
  endedBy: "count" | "time";
}

class OpTimeout extends Error {}

/**
 * A closed loop: `concurrency` async workers in this process, each starting
 * its next operation when its previous one has finished, until `maxOps`
 * operations have been started or `maxMs` has passed. Every operation is
 * timed (performance.now) and bounded by `opTimeoutMs`, so the run always
 * ends: at the latest maxMs + opTimeoutMs after it began.
 */
export async function runClosedLoop(op: Operation, bounds: LoopBounds): Promise<LoopResult> {
  const timeoutMs = bounds.opTimeoutMs ?? 10_000;
  const samples: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + bounds.maxMs;

  const guarded = (seq: number, worker: number): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OpTimeout(`operation took over ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([op(seq, worker), timeout]).finally(() => clearTimeout(timer));
  };

  const worker = async (w: number): Promise<void> => {
    while (next < bounds.maxOps && performance.now() < deadline) {
      const seq = next++;
      const t0 = performance.now();
      try {
        await guarded(seq, w);
        samples.push(performance.now() - t0);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: bounds.concurrency }, (_, w) => worker(w)));
  const elapsedMs = performance.now() - started;
  return {
    ops: samples.length,
    errors,
    firstError,
    elapsedMs,
    opsPerSecond: (samples.length * 1000) / elapsedMs,
    latency: summarizeLatencies(samples),
    endedBy: next >= bounds.maxOps ? "count" : "time",
  };
}
