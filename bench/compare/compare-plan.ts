import type { WarmUpBounds } from "./warm-up-savers.js";

/** How much a run does: bounds of every load loop, rounds, ghz and the storage-growth conversation. */
export interface ComparePlan {
  rounds: number;
  concurrencies: readonly number[];
  /** Per concurrency: a measured loop stops at maxOps operations or after maxMs, whichever comes first. */
  bounds: (concurrency: number) => { maxOps: number; maxMs: number };
  /** The older-id (L1 miss) reads need a never-read (thread, id) per operation, so their count bound is lower. */
  missMaxOps: (concurrency: number) => number;
  /** Discarded warm-up before every measured loop. */
  warm: (concurrency: number) => { maxOps: number; maxMs: number };
  /** Once, before the first round: every saver through a conversation's calls (warm-up-savers.ts). */
  warmUp: WarmUpBounds;
  ghz: { concurrency: number; getTupleRequests: number; putRequests: number; maxSeconds: number };
  growthSteps: number;
  /** Size of PostgresSaver's pg pool (and of the SELECT 1 floor's). */
  saverPoolSize: number;
}

export interface PlanOptions {
  rounds: number;
  quick: boolean;
  saverPoolSize: number;
  /** Default [1, 8, 64]. */
  concurrencies?: readonly number[];
}

/**
 * The default plan takes about 3 minutes a round on 2 cores: 28 loops of at
 * most 4 s plus warm-ups, 3 ghz runs of at most 20 s; then one 1,000-step
 * conversation per saver. --quick divides the bounds by 5 (checks the
 * harness, measures nothing worth keeping).
 */
export function comparePlan(options: PlanOptions): ComparePlan {
  const scale = options.quick ? 0.2 : 1;
  const n = (value: number) => Math.max(1, Math.round(value * scale));
  return {
    rounds: options.rounds,
    concurrencies: options.concurrencies ?? [1, 8, 64],
    bounds: (c) => (c === 1 ? { maxOps: n(2_000), maxMs: n(3_000) } : { maxOps: n(20_000), maxMs: n(4_000) }),
    missMaxOps: (c) => (c === 1 ? n(1_500) : n(6_000)),
    warm: (c) => (c === 1 ? { maxOps: n(300), maxMs: n(750) } : { maxOps: n(1_000), maxMs: n(750) }),
    warmUp: { maxSteps: n(3_000), maxMs: n(10_000), concurrencies: [1, 8] },
    ghz: { concurrency: 64, getTupleRequests: n(10_000), putRequests: n(5_000), maxSeconds: 20 },
    growthSteps: options.quick ? 100 : 1_000,
    saverPoolSize: options.saverPoolSize,
  };
}
