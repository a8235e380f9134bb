/**
 * The soak: `pnpm bench --soak MINUTES` (default 30). Two checkpointd replicas on one PostgreSQL
 * (durable defaults) and one Redis, all started here on 127.0.0.1, under a mixed load (soak-load.ts)
 * through both; every 10 s each replica's RSS, open file descriptors, heap and event-loop lag (its
 * /metrics), PostgreSQL's connection
 * count, and the calls' p50/p99 and errors are sampled. At the end it checks that nothing grows
 * without bound (RSS and heap within +15 % of their value at minute 5, no fd or connection growth, p99 at the
 * end within 1.5x the start) and writes the table to RESULTS.md (`--no-write` to skip).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import pg from "pg";
import { createDatabase, spawnCheckpointd, startPostgres, startRedis } from "@checkpointd/test-support";
import { writeResultsSection, type ResultsSection } from "../compare/write-results-section.js";
import { quantile, sampleReplica, scrapeReplica } from "./sample-replica.js";
import { startSoakLoad } from "./soak-load.js";
import { heapGrowth, type HeapSnapshotSummary } from "./summarize-heap-snapshot.js";
import { takeHeapSnapshot } from "./take-heap-snapshot.js";

const soakSection: ResultsSection = {
  heading: "## Soak",
  startMarker: "<!-- soak:start (written by `pnpm bench --soak`: edit outside these markers, they are replaced on the next run) -->",
  endMarker: "<!-- soak:end -->",
};

/** The minute the end of the run is compared with: 5, or half of a shorter run. */
const referenceMinuteOf = (minutes: number) => Math.min(5, minutes / 2);

interface Row {
  minute: number;
  rss: number[];
  heap: number[];
  lag: number[];
  fds: number[];
  connections: number;
  callsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** A replica's live heap (a heap snapshot: V8 collects garbage first) at a minute of the run. */
interface LiveHeap {
  minute: number;
  summaries: HeapSnapshotSummary[];
}

export async function runSoak(minutes: number, write: boolean): Promise<void> {
  if (!(minutes > 0 && minutes <= 240)) throw new Error(`--soak takes 1 to 240 minutes, not ${minutes}`);
  const log = (message: string) => console.error(`[soak] ${message}`);
  const postgres = await startPostgres({ durable: true });
  const redis = await startRedis();
  const databaseUrl = await createDatabase(postgres.url);
  const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  // The sampled heap-in-use follows V8's sawtooth (old space grows until a full collection), so
  // it cannot tell a leak from a late collection: a heap snapshot, taken on SIGUSR2 after a full
  // collection, measures what is live: one before minute 5's window, one when the load stopped.
  const snapshotDirs = [0, 1].map(() => mkdtempSync(path.join(os.tmpdir(), "soak-heap-")));
  const replicas = await Promise.all(
    snapshotDirs.map((dir) =>
      // Retention keeps the data bounded (the threads grow by a checkpoint a visit): without it the
      // reads did more work as the run went on and p99 measured the data, not the server.
      spawnCheckpointd(["--http-port", "off", "--retention-max-versions", "100", "--sweep-interval", "30s"], {
        DATABASE_URL: databaseUrl,
        REDIS_URL: redis.url,
        NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir}`,
      }),
    ),
  );
  const clients = replicas.map((r) => createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${r.port}` })));
  const started = Date.now();
  const until = started + minutes * 60_000;
  const load = startSoakLoad({ clients, writers: 8, readers: 8, watchers: 16, threads: 400, until });
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  const rows: Row[] = [];
  const liveHeaps: LiveHeap[] = [];
  const referenceMinute = referenceMinuteOf(minutes);
  const snapshotMinute = referenceMinute * 0.7;
  let lastSample = Date.now();
  try {
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, Math.max(0, until - Date.now()))));
      const now = Date.now();
      const { latencies, errors, calls } = load.drain();
      const samples = replicas.map((r) => sampleReplica(r.process.pid!));
      if (samples.some((s) => s === undefined)) throw new Error("a replica died during the soak");
      const scraped = await Promise.all(replicas.map((r) => scrapeReplica(r.metricsPort!)));
      const { rows: conn } = await admin.query<{ n: string }>(
        "select count(*) as n from pg_stat_activity where datname = current_database() or datname is not null",
      );
      const row: Row = {
        minute: (now - started) / 60_000,
        rss: samples.map((s) => s!.rssMiB),
        heap: scraped.map((m) => m.heapUsedMiB),
        lag: scraped.map((m) => m.eventLoopLagP99Ms),
        fds: samples.map((s) => s!.openFds),
        connections: Number(conn[0]!.n),
        callsPerSecond: (calls * 1000) / (now - lastSample),
        p50: quantile(latencies, 0.5),
        p99: quantile(latencies, 0.99),
        errors,
      };
      rows.push(row);
      // The first snapshot before the reference window (a snapshot grows the replica's RSS by
      // tens of MiB, once), the last one after the load stopped.
      if (liveHeaps.length === 0 && row.minute >= snapshotMinute) {
        const summaries = await Promise.all(replicas.map((r, i) => takeHeapSnapshot(r.process, snapshotDirs[i]!)));
        liveHeaps.push({ minute: row.minute, summaries });
        log(`${row.minute.toFixed(1)} min: live heap ${summaries.map((s) => (s.liveBytes / 2 ** 20).toFixed(1)).join("/")} MiB`);
      }
      lastSample = Date.now();
      log(
        `${row.minute.toFixed(1)} min: RSS ${row.rss.map((v) => v.toFixed(0)).join("/")} MiB, heap ${row.heap.map((v) => v.toFixed(0)).join("/")} MiB, lag p99 ${row.lag.map((v) => v.toFixed(0)).join("/")} ms, fds ${row.fds.join("/")}, pg conns ${row.connections}, ${row.callsPerSecond.toFixed(0)} calls/s, p99 ${row.p99.toFixed(1)} ms, errors ${errors}`,
      );
    }
    await load.done;
    const summaries = await Promise.all(replicas.map((r, i) => takeHeapSnapshot(r.process, snapshotDirs[i]!)));
    liveHeaps.push({ minute: (Date.now() - started) / 60_000, summaries });
  } finally {
    await admin.end();
    await Promise.all(replicas.map((r) => r.stop(10_000)));
    await redis.stop();
    await postgres.destroy();
    for (const dir of snapshotDirs) rmSync(dir, { recursive: true, force: true });
  }
  const report = formatSoak(rows, liveHeaps, minutes);
  console.log(report);
  if (write) writeResultsSection(fileURLToPath(new URL("../RESULTS.md", import.meta.url)), report, soakSection);
}

function formatSoak(rows: readonly Row[], liveHeaps: readonly LiveHeap[], minutes: number): string {
  // RSS, heap and lag follow the garbage collector's sawtooth: compare medians of windows, not
  // single samples: the two minutes around minute 5 against the last two minutes.
  const referenceMinute = referenceMinuteOf(minutes);
  const early = rows.filter((r) => Math.abs(r.minute - referenceMinute) <= 1);
  const late = rows.filter((r) => r.minute >= rows[rows.length - 1]!.minute - 2);
  const median = (values: number[]) => quantile(values, 0.5);
  const window = (pick: (r: Row) => number) => [median(early.map(pick)), median(late.map(pick))] as const;
  const earlyMax = (pick: (r: Row) => number) => Math.max(...rows.filter((r) => r.minute <= referenceMinute + 1).map(pick));
  const last = rows[rows.length - 1]!;
  const grows = (what: string, pick: (r: Row, i: number) => number, unit: string) =>
    [0, 1].map((i) => {
      const [from, to] = window((r) => pick(r, i));
      return [
        `replica ${i + 1} ${what}, median of the last 2 min within +15 % of minute ${referenceMinute}'s`,
        to <= from * 1.15,
        `${from.toFixed(0)} → ${to.toFixed(0)} ${unit}`,
      ] as const;
    });
  const [p99From, p99To] = window((r) => r.p99);
  // The first and the last live heap, when there are two (a run cut short has one or none).
  const [firstLive, lastLive] = liveHeaps.length >= 2 ? [liveHeaps[0]!, liveHeaps[liveHeaps.length - 1]!] : [undefined, undefined];
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  const liveChecks =
    firstLive === undefined || lastLive === undefined
      ? []
      : [0, 1].map((i) => {
          const [from, to] = [firstLive.summaries[i]!.liveBytes, lastLive.summaries[i]!.liveBytes];
          return [
            `replica ${i + 1} live heap (heap snapshot) after the load within +15 % of minute ${firstLive.minute.toFixed(1)}'s`,
            to <= from * 1.15,
            `${mib(from)} → ${mib(to)} MiB`,
          ] as const;
        });
  const checks = [
    ...grows("RSS", (r, i) => r.rss[i]!, "MiB"),
    ...grows("heap in use (sampled, sawtooth)", (r, i) => r.heap[i]!, "MiB"),
    ...liveChecks,
    ...[0, 1].map(
      (i) =>
        [
          `replica ${i + 1} open fds not growing`,
          last.fds[i]! <= earlyMax((r) => r.fds[i]!) + 4,
          `${earlyMax((r) => r.fds[i]!)} (max to minute ${referenceMinute + 1}) → ${last.fds[i]!}`,
        ] as const,
    ),
    [
      "PostgreSQL connections not growing",
      last.connections <= earlyMax((r) => r.connections) + 2,
      `${earlyMax((r) => r.connections)} → ${last.connections}`,
    ] as const,
    [
      `p99, median of the last 2 min within 1.5x minute ${referenceMinute}'s`,
      p99To <= p99From * 1.5,
      `${p99From.toFixed(1)} → ${p99To.toFixed(1)} ms`,
    ] as const,
  ];
  const load = os
    .loadavg()
    .map((v) => v.toFixed(1))
    .join(", ");
  const lines = [
    `Run ${new Date().toISOString()} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), load average at the end ${load}; ${minutes} min; two replicas, PostgreSQL 15 durable defaults, Redis; 8 writers (Put, PutWrites, a Resume and claim every 10th step), 8 readers (GetTuple latest and older, List 10), 16 Subscribe streams held 1-5 s, over 400 threads; retention keeps 100 checkpoints a thread (sweep every 30 s).`,
    "",
    "| check | holds | figures |",
    "|---|---|---|",
    ...checks.map(([what, ok, figures]) => `| ${what} | ${ok ? "yes" : "**no**"} | ${figures} |`),
    "",
    "Live heap (a heap snapshot of each replica, taken after V8's full collection), MiB A / B by minute: " +
      liveHeaps.map((h) => `${h.minute.toFixed(1)}: ${h.summaries.map((s) => mib(s.liveBytes)).join(" / ")}`).join("; ") +
      ".",
    "",
    ...(firstLive === undefined || lastLive === undefined
      ? []
      : [0, 1].flatMap((i) => [
          `What grew most in replica ${i + 1}'s live heap from minute ${firstLive.minute.toFixed(1)} to ${lastLive.minute.toFixed(1)} (V8 node type and constructor):`,
          "",
          "| node | count | self bytes |",
          "|---|---|---|",
          ...heapGrowth(firstLive.summaries[i]!, lastLive.summaries[i]!),
          "",
        ])),
    "| minute | RSS MiB (A/B) | heap MiB (A/B) | event-loop lag p99 ms (A/B) | open fds (A/B) | PostgreSQL connections | calls/s | p50 ms | p99 ms | errors |",
    "|---:|---|---|---|---|---:|---:|---:|---:|---:|",
    ...rows
      .filter((_, i) => i % 6 === 5 || i === 0 || i === rows.length - 1)
      .map(
        (r) =>
          `| ${r.minute.toFixed(1)} | ${r.rss.map((v) => v.toFixed(0)).join(" / ")} | ${r.heap.map((v) => v.toFixed(0)).join(" / ")} | ${r.lag.map((v) => v.toFixed(0)).join(" / ")} | ${r.fds.join(" / ")} | ${r.connections} | ${r.callsPerSecond.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(1)} | ${r.errors} |`,
      ),
  ];
  return lines.join("\n");
}
