import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** How a pass this replica ran ended: it went through its batch, another replica took the lease over, or it failed. */
export type SweepPassOutcome = "completed" | "lease_lost" | "failed";

/** What one pass deleted (what committed, also of a pass that stopped early). */
export interface SweepPassCounts {
  readonly threadsExamined: number;
  readonly threadsDeleted: number;
  readonly threadsPruned: number;
  readonly checkpointsDeleted: number;
  readonly writesDeleted: number;
  readonly valuesDeleted: number;
  readonly chunksFreed: number;
  readonly eventsTrimmed: number;
  readonly resumesTrimmed: number;
}

export interface SweeperMetrics {
  /** This replica's --sweep-interval (the alert on a sweeper that stopped compares with it). */
  interval(seconds: number): void;
  /** Whether this replica holds the sweeper lease now: from taking it for a pass to giving it back. */
  leaseHeld(held: boolean): void;
  /** A pass this replica ran (not a tick that found the lease taken), with the seconds it held the lease. */
  pass(outcome: SweepPassOutcome, counts: SweepPassCounts, seconds: number): void;
}

const outcomes: readonly SweepPassOutcome[] = ["completed", "lease_lost", "failed"];

/** checkpointd_sweeper_*: the retention sweeper's passes and what they deleted (issue 17, issue 19). */
export function createSweeperMetrics(registry: Registry): SweeperMetrics {
  const counter = (name: string, help: string) => new Counter({ name: `checkpointd_sweeper_${name}_total`, help, registers: [registry] });
  const passes = new Counter({
    name: "checkpointd_sweeper_passes_total",
    help: "Sweeper passes this replica ran, by outcome (completed, lease_lost: another replica took over, failed).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const byOutcome = new Map(outcomes.map((o) => [o, passes.labels(o)]));
  // Every outcome exported from the start (0), so that rate() and increase() see its first pass.
  for (const child of byOutcome.values()) child.inc(0);
  const duration = new Histogram({
    name: "checkpointd_sweeper_pass_duration_seconds",
    help: "Seconds a sweeper pass of this replica held the lease, from taking it to giving it back.",
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: "checkpointd_sweeper_last_success_timestamp_seconds",
    help: "Unix time at which this replica's last completed sweeper pass ended (0: none yet).",
    registers: [registry],
  });
  const held = new Gauge({
    name: "checkpointd_sweeper_lease_held",
    help: "1 while this replica holds the sweeper lease (runs a pass), else 0.",
    registers: [registry],
  });
  const interval = new Gauge({
    name: "checkpointd_sweeper_interval_seconds",
    help: "This replica's --sweep-interval (0: it runs no sweeper).",
    registers: [registry],
  });
  const deleted: ReadonlyArray<[Counter, keyof SweepPassCounts]> = [
    [counter("threads_examined", "Threads sweeper passes looked at."), "threadsExamined"],
    [counter("threads_deleted", "Threads deleted whole because their TTL ran out (strategy delete)."), "threadsDeleted"],
    [counter("threads_pruned", "Threads a policy trimmed (checkpoints, events or claimed resumes deleted)."), "threadsPruned"],
    [counter("checkpoints_deleted", "Checkpoints deleted by the sweeper."), "checkpointsDeleted"],
    [counter("writes_deleted", "Pending writes deleted with their checkpoints."), "writesDeleted"],
    [counter("values_deleted", "Channel values deleted because no kept checkpoint refers to them."), "valuesDeleted"],
    [counter("chunks_freed", "Chunks of large values deleted because no kept value or write names them."), "chunksFreed"],
    [
      counter("events_deleted", "Thread events deleted: older than a trimmed thread's oldest kept checkpoint, or a deleted thread's."),
      "eventsTrimmed",
    ],
    [
      counter(
        "resumes_deleted",
        "Resumes deleted: claimed ones older than a trimmed thread's oldest kept checkpoint, or a deleted thread's.",
      ),
      "resumesTrimmed",
    ],
  ];
  return {
    interval: (seconds) => interval.set(seconds),
    leaseHeld: (h) => held.set(h ? 1 : 0),
    pass(outcome, counts, seconds) {
      byOutcome.get(outcome)!.inc();
      duration.observe(seconds);
      for (const [c, field] of deleted) if (counts[field] > 0) c.inc(counts[field]);
      if (outcome === "completed") lastSuccess.set(Date.now() / 1000);
    },
  };
}
