import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { effectivePolicy, type RetentionDefaults } from "../domain/retention-policy.js";
import { newEvent } from "../mapping/event-codec.js";
import type { SweepPassOutcome, SweeperMetrics } from "../metrics/sweeper-metrics.js";
import { LeaseLostError, type SweepCandidate, type SweepEvents, type SweepStore } from "../storage/sweep-threads.js";

export interface SweeperOptions {
  store: SweepStore;
  defaults: RetentionDefaults;
  /** A pass this often, across all replicas (--sweep-interval). */
  intervalMs: number;
  /** Threads a pass looks at, at most (--sweep-batch). */
  batch: number;
  /** After a thread's sweep committed: drop its cached tuples and wake its watchers. */
  afterChange(tenant: string, threadId: string): Promise<void>;
  logger: Logger;
  /** Names this replica in the lease (default: host, pid and a random suffix). */
  holder?: string;
  /** Where the passes this replica runs are counted (checkpointd_sweeper_*); dry runs are not. */
  metrics?: SweeperMetrics | undefined;
}

export interface SweepPassResult {
  /** False when another replica holds the lease (or a pass ran within the interval): nothing was done. */
  ran: boolean;
  dryRun: boolean;
  threadsExamined: number;
  threadsDeleted: number;
  threadsPruned: number;
  checkpointsDeleted: number;
  /** Pending writes, channel values and value chunks deleted with the checkpoints (nothing kept refers to them). */
  writesDeleted: number;
  valuesDeleted: number;
  chunksFreed: number;
  /** Events and resumes deleted: trimmed by a policy, or all of a deleted thread's. */
  eventsTrimmed: number;
  resumesTrimmed: number;
  /** The pass stopped early: another replica took the lease over. */
  leaseLost: boolean;
  /** When the pass took the lease and when it gave it back (ISO 8601); unset when it did not run. */
  startedAt?: string;
  finishedAt?: string;
}

export interface Sweeper {
  /** One pass now; `force` ignores the interval since the last pass (never a live lease). */
  runPass(options?: { dryRun?: boolean; force?: boolean }): Promise<SweepPassResult>;
  /** Passes every interval until stop(). */
  start(): void;
  /** Stops the timer and waits for a running pass. */
  stop(): Promise<void>;
  readonly holder: string;
}

const sweepEvents: SweepEvents = {
  pruned: (checkpointNs, beforeCheckpointId, count) =>
    newEvent(checkpointNs, { case: "checkpointsPruned", value: { checkpointNs, beforeCheckpointId, count: BigInt(count) } }),
  deleted: () => newEvent("", { case: "threadDeleted", value: {} }),
};

/**
 * The retention sweeper (issue 17). Each replica ticks every quarter
 * interval; the one that takes the lease (storage/sweep-threads.ts) runs a
 * pass: first the threads whose TTL ran out, then, with what is left of the
 * batch, the next threads of the walk over all threads that a policy may trim
 * (resuming where the last pass stopped). Each thread is one short
 * transaction; a thread it changed has its cache entries dropped and its
 * watchers told (checkpoints_pruned or thread_deleted).
 */
export function createSweeper(options: SweeperOptions): Sweeper {
  const { store, defaults, intervalMs, batch, logger, metrics } = options;
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const tickMs = Math.max(25, Math.floor(intervalMs / 4));
  const leaseMs = Math.max(50, Math.floor(intervalMs / 2));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  metrics?.interval(intervalMs / 1000);

  async function pass(dryRun: boolean, force: boolean): Promise<SweepPassResult> {
    const result: SweepPassResult = {
      ran: false,
      dryRun,
      threadsExamined: 0,
      threadsDeleted: 0,
      threadsPruned: 0,
      checkpointsDeleted: 0,
      writesDeleted: 0,
      valuesDeleted: 0,
      chunksFreed: 0,
      eventsTrimmed: 0,
      resumesTrimmed: 0,
      leaseLost: false,
    };
    if (!(await store.acquire(holder, leaseMs, force ? 0 : intervalMs - tickMs))) return result;
    result.ran = true;
    const started = performance.now();
    result.startedAt = new Date().toISOString();
    if (!dryRun) metrics?.leaseHeld(true);
    let wrapped = false;
    // A stop() mid-pass ends it early but "completed": what it did committed, and the next pass goes on from there.
    let outcome: SweepPassOutcome = "completed";
    try {
      const sweep = async (c: SweepCandidate, advance: boolean) => {
        const swept = await store.sweepThread(holder, leaseMs, c, effectivePolicy(defaults, c.policy), sweepEvents, { advance, dryRun });
        result.threadsExamined++;
        result.checkpointsDeleted += swept.checkpoints;
        result.writesDeleted += swept.writes;
        result.valuesDeleted += swept.values;
        result.chunksFreed += swept.chunks;
        result.eventsTrimmed += swept.events;
        result.resumesTrimmed += swept.resumes;
        if (swept.action === "deleted") result.threadsDeleted++;
        if (swept.action === "pruned") result.threadsPruned++;
        if (swept.action !== "none" && !dryRun) await options.afterChange(c.tenant, c.threadId);
      };
      const expired = await store.expired(defaults, batch);
      for (const c of expired) {
        if (stopped) return result;
        await sweep(c, false);
      }
      const left = batch - expired.length;
      if (left > 0) {
        const walk = await store.walk(defaults, left);
        for (const c of walk.candidates) {
          if (stopped) return result;
          await sweep(c, true);
        }
        wrapped = walk.wrapped && !dryRun;
      }
    } catch (error) {
      if (!(error instanceof LeaseLostError)) {
        outcome = "failed";
        throw error;
      }
      outcome = "lease_lost";
      result.leaseLost = true;
    } finally {
      await store.release(holder, wrapped).catch((error: unknown) => logger.warn({ err: error }, "cannot release the sweeper lease"));
      result.finishedAt = new Date().toISOString();
      if (!dryRun) {
        metrics?.leaseHeld(false);
        metrics?.pass(outcome, result, (performance.now() - started) / 1000);
      }
    }
    return result;
  }

  function runPass(opts: { dryRun?: boolean; force?: boolean } = {}): Promise<SweepPassResult> {
    const p = pass(opts.dryRun ?? false, opts.force ?? false);
    running = p.catch(() => undefined);
    return p;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      void runPass()
        .then(
          (r) => {
            if (r.threadsDeleted + r.threadsPruned > 0 || r.leaseLost) logger.info({ sweep: r, holder }, "sweeper pass");
          },
          (error: unknown) => logger.warn({ err: error }, "sweeper pass failed; the next one goes on where it stopped"),
        )
        .finally(schedule);
    }, tickMs);
    timer.unref();
  }

  return {
    holder,
    runPass,
    start() {
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
