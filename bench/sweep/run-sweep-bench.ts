/**
 * Sweep throughput (issue 17): SWEEP_BENCH_THREADS threads (default 10,000) x
 * SWEEP_BENCH_STEPS checkpoints (default 100: a million), each checkpoint with
 * a pending write and an event, channel `a` a new value a step and `c` one
 * value shared by all, seeded by SQL on a throwaway PostgreSQL (127.0.0.1,
 * the test harness's: fsync off). Then one sweeper pass (createSweeper, as a
 * server runs it; batch = all threads) trims every thread to its newest
 * SWEEP_BENCH_KEEP (default 10) while 8 writers put to threads of their own
 * that the pass also visits. Prints one JSON line: checkpoints removed per
 * second, the pass's time, this process's RSS (sampled every 250 ms: first,
 * max, last) and the writers' Put p50/p99 before and during the pass.
 * Bounded: the seeding is one statement per table, the writers stop with the
 * pass or after SWEEP_BENCH_MAX_SECONDS (default 600).
 * SWEEP_BENCH_PROCESS=server: the pass runs in a `checkpointd serve` process of
 * its own instead (sweep-in-server.ts), and the RSS is that server's.
 */
import pg from "pg";
import { pino } from "pino";
import {
  connectDatabase,
  createKyselyStorage,
  createSweepStore,
  createSweeper,
  migrateToLatest,
} from "../../packages/server/dist/index.js";
import { createDatabase, startPostgres } from "@checkpointd/test-support";
import { sweepInServer } from "./sweep-in-server.js";

const threads = Number(process.env.SWEEP_BENCH_THREADS ?? 10_000);
const steps = Number(process.env.SWEEP_BENCH_STEPS ?? 100);
const keep = Number(process.env.SWEEP_BENCH_KEEP ?? 10);
const maxSeconds = Number(process.env.SWEEP_BENCH_MAX_SECONDS ?? 600);
const writers = 8;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const round = (n: number) => Math.round(n * 100) / 100;

const postgres = await startPostgres();
try {
  const url = await createDatabase(postgres.url);
  const { db } = await connectDatabase({ databaseUrl: url, dataDir: "" });
  await migrateToLatest(db);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  // The sizes are numbers from the environment, checked here: the seed is SQL text.
  if (![threads, steps, keep].every((n) => Number.isSafeInteger(n) && n > 0)) throw new Error("SWEEP_BENCH_* must be positive integers");
  const run = (text: string) => admin.query(text);
  const seedStarted = performance.now();
  const grid = `generate_series(1, ${threads}) as t, generate_series(1, ${steps}) as i`;
  const id = `lpad(i::text, 12, '0')`;
  await run(`insert into checkpoints (tenant, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
    select 'default', 't-' || t, '', ${id}, case when i > 1 then lpad((i - 1)::text, 12, '0') end,
      jsonb_build_object('v', 4, 'id', ${id}, 'ts', '2026-01-01T00:00:00Z', 'channel_versions', jsonb_build_object('a', i, 'c', 1),
        'versions_seen', '{}'::jsonb, 'updated_channels', jsonb_build_array('a')), jsonb_build_object('step', i)
    from ${grid}`);
  await run(`insert into checkpoint_blobs (tenant, thread_id, checkpoint_ns, channel, version, type, blob)
    select 'default', 't-' || t, '', 'a', i::text, 'json', convert_to(repeat('a', 200), 'UTF8') from ${grid}
    union all select 'default', 't-' || t, '', 'c', '1', 'json', convert_to(repeat('c', 2000), 'UTF8') from generate_series(1, ${threads}) as t`);
  await run(`insert into checkpoint_writes (tenant, thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, task_path)
    select 'default', 't-' || t, '', ${id}, 'task', 0, 'a', 'json', convert_to(repeat('w', 100), 'UTF8'), '' from ${grid}`);
  await run(`insert into thread_events (tenant, thread_id, event_id, checkpoint_ns, kind, body, created_at)
    select 'default', 't-' || t, i, '', 'checkpoint_saved', '\\x'::bytea, now() - (${steps} - i) * interval '1 second' from ${grid}`);
  await run(`update checkpoints set created_at = now() - (${steps} - (checkpoint_id::int)) * interval '1 second'`);
  await run(`insert into thread_event_counters (tenant, thread_id, last_event_id, created_at, last_write_at, touched_at)
    select 'default', 't-' || t, ${steps}, now(), now(), now() from generate_series(1, ${threads}) as t`);
  await run(`analyze`);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  // Writers: Puts to threads of their own (w-0 … w-7, also trimmed by the pass), timed one by one.
  const storage = createKyselyStorage({ db }).forTenant("default");
  let stop = false;
  let sweeping = false;
  const before: number[] = [];
  const during: number[] = [];
  const value = { type: "json", data: new TextEncoder().encode("x".repeat(800)) };
  const writer = async (w: number) => {
    for (let step = 0; !stop; step++) {
      const started = performance.now();
      await storage.put(
        {
          threadId: `w-${w}`,
          checkpointNs: "",
          parentCheckpointId: undefined,
          checkpoint: {
            v: 4,
            id: String(step).padStart(12, "0"),
            ts: new Date().toISOString(),
            channelValues: { a: value },
            channelVersions: { a: BigInt(step + 1) },
            versionsSeen: {},
            updatedChannels: ["a"],
            pendingSends: [],
            extra: {},
          },
          metadata: { step },
          newVersions: { a: BigInt(step + 1) },
        },
        [{ checkpointNs: "", kind: "checkpoint_saved", body: new Uint8Array(16) }],
      );
      (sweeping ? during : before).push(performance.now() - started);
    }
  };
  const running = Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  const guard = setTimeout(() => (stop = true), maxSeconds * 1000);
  await new Promise((resolve) => setTimeout(resolve, 10_000));

  let pass: { checkpointsDeleted: number; eventsTrimmed: number };
  let passSeconds: number;
  let rssMiB: Record<string, number | number[]>;
  sweeping = true;
  if (process.env.SWEEP_BENCH_PROCESS === "server") {
    const result = await sweepInServer({ databaseUrl: url, keep, batch: threads + writers, maxSeconds });
    ({ pass, passSeconds } = result);
    rssMiB = result.rssMiB;
  } else {
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 250);
    const sweeper = createSweeper({
      store: createSweepStore(db),
      defaults: { maxVersions: keep, maxAgeMs: 0, ttlMs: 0, ttlStrategy: "delete", refreshOnRead: false },
      intervalMs: 300_000,
      batch: threads + writers,
      logger: pino({ level: "warn" }),
      afterChange: () => Promise.resolve(),
    });
    const started = performance.now();
    pass = await sweeper.runPass({ force: true });
    passSeconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const mib = (n: number | undefined) => Math.round((n ?? 0) / 2 ** 20);
    rssMiB = { first: mib(rss[0]), max: mib(Math.max(...rss)), last: mib(rss.at(-1)), samples: rss.length };
  }
  sweeping = false;
  stop = true;
  clearTimeout(guard);
  await running;

  const left = Number((await run(`select count(*) as n from checkpoints where thread_id like 't-%'`)).rows[0].n);
  const sortedBefore = [...before].sort((a, b) => a - b);
  const sortedDuring = [...during].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      threads,
      checkpoints: threads * steps,
      keep,
      seedSeconds: round(seedSeconds),
      passSeconds: round(passSeconds),
      checkpointsRemoved: pass.checkpointsDeleted,
      checkpointsRemovedPerSecond: Math.round(pass.checkpointsDeleted / passSeconds),
      eventsTrimmed: pass.eventsTrimmed,
      checkpointsLeft: left,
      sweptIn: process.env.SWEEP_BENCH_PROCESS === "server" ? "a checkpointd serve process" : "this process (with the writers)",
      rssMiB,
      writerPutMs: {
        before: { n: before.length, p50: round(quantile(sortedBefore, 0.5)), p99: round(quantile(sortedBefore, 0.99)) },
        during: { n: during.length, p50: round(quantile(sortedDuring, 0.5)), p99: round(quantile(sortedDuring, 0.99)) },
      },
    }),
  );
  await admin.end();
  await db.destroy();
} finally {
  await postgres.destroy();
}
