/**
 * Storage-level Put throughput, what group commit (storage/group-puts.ts) is
 * for: c workers (PUT_BENCH_CONCURRENCY, default 64), each on its own thread,
 * put the next step of their conversation (5 channels of ~800 B, one changed
 * a step, one checkpoint_saved event) through createKyselyStorage (the
 * server's default pool of 10) on a throwaway PostgreSQL (127.0.0.1, the test
 * harness's: fsync off). A closed loop, bounded in time (PUT_BENCH_SECONDS,
 * default 10, after PUT_BENCH_WARMUP_SECONDS, default 2) and in count
 * (PUT_BENCH_MAX_PUTS in all, default 2,000,000). Prints one JSON line:
 * puts/s and CPU per put of this process (storage code plus the load
 * generator, no gRPC) and of PostgreSQL (the postmaster and its children).
 */
import { connectDatabase, createKyselyStorage, migrateToLatest } from "../../packages/server/dist/index.js";
import { createDatabase, startPostgres } from "@checkpointd/test-support";
import { readProcessStat } from "../cache/read-process-stat.js";
import { readProcessTreeCpuMicros } from "../cache/read-process-tree-cpu-micros.js";

const concurrency = Number(process.env.PUT_BENCH_CONCURRENCY ?? 64);
const seconds = Number(process.env.PUT_BENCH_SECONDS ?? 10);
const warmupSeconds = Number(process.env.PUT_BENCH_WARMUP_SECONDS ?? 2);
const maxPuts = Number(process.env.PUT_BENCH_MAX_PUTS ?? 2_000_000);
const channels = ["messages", "context", "plan", "scratchpad", "route"];
const value = (channel: string, version: number) => ({
  type: "json",
  data: new TextEncoder().encode(JSON.stringify({ channel, version, text: "x".repeat(780) })),
});
const eventBody = new TextEncoder().encode("e".repeat(120));

const postgres = await startPostgres();
try {
  const { db } = await connectDatabase({ databaseUrl: await createDatabase(postgres.url), dataDir: "" });
  await migrateToLatest(db);
  const storages = createKyselyStorage({ db });
  const storage = storages.forTenant("default");
  const backend = await db.selectNoFrom((eb) => eb.fn<number>("pg_backend_pid").as("pid")).executeTakeFirstOrThrow();
  const postmaster = readProcessStat(backend.pid)!.ppid;

  let done = 0;
  let stopAt = Date.now() + (warmupSeconds + seconds) * 1000;
  async function worker(w: number) {
    const threadId = `worker-${w}`;
    const versions = Object.fromEntries(channels.map((c) => [c, 1]));
    const values = Object.fromEntries(channels.map((c) => [c, value(c, 1)]));
    for (let step = 0; Date.now() < stopAt && done < maxPuts; step++) {
      const changed = step === 0 ? channels : [channels[step % channels.length]!];
      if (step > 0) {
        versions[changed[0]!]! += 1;
        values[changed[0]!] = value(changed[0]!, versions[changed[0]!]!);
      }
      const id = `1f0b0000-0000-6000-8000-${String(step).padStart(12, "0")}`;
      await storage.put(
        {
          threadId,
          checkpointNs: "",
          parentCheckpointId: step === 0 ? undefined : `1f0b0000-0000-6000-8000-${String(step - 1).padStart(12, "0")}`,
          checkpoint: {
            v: 4,
            id,
            ts: new Date().toISOString(),
            channelValues: { ...values },
            channelVersions: Object.fromEntries(channels.map((c) => [c, BigInt(versions[c]!)])),
            versionsSeen: {},
            updatedChannels: changed,
            pendingSends: [],
            extra: {},
          },
          metadata: { source: "loop", step },
          newVersions: Object.fromEntries(changed.map((c) => [c, BigInt(versions[c]!)])),
        },
        [{ checkpointNs: "", kind: "checkpoint_saved", body: eventBody }],
      );
      done++;
    }
  }

  const running = Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  await new Promise((r) => setTimeout(r, warmupSeconds * 1000));
  const start = { at: performance.now(), done, node: process.cpuUsage(), pg: readProcessTreeCpuMicros(postmaster) };
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const end = { at: performance.now(), done, node: process.cpuUsage(start.node), pg: readProcessTreeCpuMicros(postmaster) };
  stopAt = 0;
  await running;

  const puts = end.done - start.done;
  const elapsed = (end.at - start.at) / 1000;
  const nodeMicros = end.node.user + end.node.system;
  const events = await db
    .selectFrom("thread_events")
    .select((eb) => [eb.fn.countAll<string>().as("n"), eb.fn.count<string>("thread_id").distinct().as("threads")])
    .executeTakeFirstOrThrow();
  const result = {
    concurrency,
    seconds: Number(elapsed.toFixed(2)),
    puts,
    putsPerSecond: Math.round(puts / elapsed),
    nodeCpuMicrosPerPut: Math.round(nodeMicros / puts),
    postgresCpuMicrosPerPut: Math.round((end.pg - start.pg) / puts),
    totalPuts: done,
    eventsStored: Number(events.n),
  };
  console.log(JSON.stringify(result));
  await storages.close();
} finally {
  await postgres.destroy();
}
