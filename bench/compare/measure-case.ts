import type { CompareCase } from "./compare-cases.js";
import type { ComparePlan } from "./compare-plan.js";
import { runClosedLoop, type LoopResult } from "./run-closed-loop.js";
import type { CompareServices } from "./start-compare-services.js";

/** CPU (user + system) per completed operation during a measured loop, µs. */
export interface CpuPerOp {
  /** This process: the load generator plus whichever saver runs in it (PostgresSaver, or CheckpointdSaver and its client). */
  bench: number;
  checkpointd: number;
  postgres: number;
  redis: number;
}

export interface CaseMeasurement {
  round: number;
  caseId: string;
  concurrency: number;
  loop: LoopResult;
  cpu: CpuPerOp;
  /** How checkpointd's L1 counters moved during the measured loop (reads through checkpointd only). */
  cache: { hits: number; misses: number; fills: number } | undefined;
}

/**
 * One case at one concurrency in one round: prepare (untimed), a discarded
 * warm-up loop, then the measured loop, with the CPU of every process read
 * around it (this process from process.cpuUsage, the others from /proc).
 */
export async function measureCase(
  c: CompareCase,
  round: number,
  concurrency: number,
  plan: ComparePlan,
  services: CompareServices,
  log: (message: string) => void,
): Promise<CaseMeasurement> {
  const warmBounds = plan.warm(concurrency);
  const runBounds = {
    ...plan.bounds(concurrency),
    ...(c.group === "getOlder" ? { maxOps: plan.missMaxOps(concurrency) } : {}),
  };
  const warmOp = await c.prepare({ round, concurrency, phase: "warm" });
  const warm = await runClosedLoop(warmOp, {
    concurrency,
    ...warmBounds,
    ...(c.group === "getOlder" ? { maxOps: Math.min(warmBounds.maxOps, plan.missMaxOps(concurrency)) } : {}),
  });
  if (warm.errors > 0) log(`[round ${round}] ${c.id} c=${concurrency} warm-up: ${warm.errors} errors, first: ${warm.firstError}`);
  const op = await c.prepare({ round, concurrency, phase: "run" });

  const cacheBefore = c.countsCache ? await services.cacheCounters() : undefined;
  const benchBefore = process.cpuUsage();
  const before = services.cpuMicros();
  const loop = await runClosedLoop(op, { concurrency, ...runBounds });
  const benchUsage = process.cpuUsage(benchBefore);
  const after = services.cpuMicros();
  const cacheAfter = c.countsCache ? await services.cacheCounters() : undefined;

  const perOp = (micros: number) => (loop.ops > 0 ? micros / loop.ops : Number.NaN);
  const measurement: CaseMeasurement = {
    round,
    caseId: c.id,
    concurrency,
    loop,
    cpu: {
      bench: perOp(benchUsage.user + benchUsage.system),
      checkpointd: perOp(after.checkpointd - before.checkpointd),
      postgres: perOp(after.postgres - before.postgres),
      redis: perOp(after.redis - before.redis),
    },
    cache:
      cacheBefore === undefined || cacheAfter === undefined
        ? undefined
        : {
            hits: cacheAfter.hits - cacheBefore.hits,
            misses: cacheAfter.misses - cacheBefore.misses,
            fills: cacheAfter.fills - cacheBefore.fills,
          },
  };
  const { latency } = loop;
  log(
    `[round ${round}] ${c.id} c=${concurrency}: ${loop.ops} ops in ${(loop.elapsedMs / 1000).toFixed(1)} s (${loop.endedBy}), ` +
      `${loop.opsPerSecond.toFixed(0)} ops/s, p50 ${latency.p50Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms, ` +
      `${loop.errors} errors; CPU µs/op bench ${measurement.cpu.bench.toFixed(0)}, checkpointd ${measurement.cpu.checkpointd.toFixed(0)}, ` +
      `postgres ${measurement.cpu.postgres.toFixed(0)}, redis ${measurement.cpu.redis.toFixed(0)}` +
      (measurement.cache === undefined
        ? ""
        : `; L1 hits ${measurement.cache.hits} misses ${measurement.cache.misses} fills ${measurement.cache.fills}`),
  );
  if (loop.errors > 0) log(`[round ${round}] ${c.id} c=${concurrency}: first error: ${loop.firstError}`);
  return measurement;
}
