/**
 * GetTuple through checkpointd's L1 cache, side by side with the bare gRPC
 * echo: L1 hit (Redis), L1 hit (in-process LRU), L1 miss (Redis), no cache,
 * and the transport harness's grpc-js stub. One throwaway PostgreSQL and one
 * throwaway redis-server; each scenario gets a fresh server process; every
 * ghz run is bounded by its request count and a 60 s cap. Prints a markdown
 * report on stdout, progress on stderr.
 *
 *   pnpm --filter @checkpointd/bench run cache [--rounds N] [--cpu-prof] [--quick]
 *
 * (`run` is needed: `pnpm cache` is one of pnpm's own commands.)
 * --cpu-prof runs every server with V8's sampling profiler on (see
 * cpu-profile-preload.ts) and adds each one's self time by package and its
 * top self-time functions to the report (the profiler slows the servers, so
 * take the figures of such a run as a profile, not as the measurement).
 * --quick sends a tenth of the requests: for checking the harness only.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { spawnSync } from "node:child_process";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService, GetTupleResponseSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import pg from "pg";
import { createDatabase, sendRedisCommand, spawnCheckpointd, startPostgres, startRedis } from "@checkpointd/test-support";
import { cannedChannelValueBytes, cannedGetTupleResponseBytes } from "../transport/canned-get-tuple-response.js";
import { ghzPath, runGhz, type GhzRun } from "../transport/run-ghz.js";
import { benchHistory } from "./bench-history.js";
import type { CacheLoadRun } from "./cache-load-run.js";
import { cacheScenarios, type CacheScenario, type CacheScenarioId } from "./cache-scenario.js";
import { cloneThread } from "./clone-thread.js";
import { formatCacheReport } from "./format-cache-report.js";
import { missRequestData } from "./miss-request-data.js";
import { readProcessStat } from "./read-process-stat.js";
import { readProcessTreeCpuMicros } from "./read-process-tree-cpu-micros.js";
import { seedHotThread } from "./seed-hot-thread.js";
import { spawnBenchTarget, type BenchTarget } from "./spawn-bench-target.js";
import { summarizeCpuProfile, type CpuProfileSummary } from "./summarize-cpu-profile.js";

const fullPlan = [
  { concurrency: 1, requests: 5_000 },
  { concurrency: 64, requests: 20_000 },
] as const;
/** Every ghz run stops after this long even if its requests were not all sent. */
const maxDurationSeconds = 60;
const getTuple = `${CheckpointService.typeName}/${CheckpointService.method.getTuple.name}`;
const latestData = { config: { thread_id: benchHistory.hotThreadId } };

const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "1" },
    "cpu-prof": { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
  },
});
/** --quick: a tenth of the requests, to check the harness itself. */
const plan = fullPlan.map((step) => ({ concurrency: step.concurrency, requests: options.quick ? step.requests / 10 : step.requests }));
const rounds = Number(options.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 5)
  throw new Error(`--rounds must be an integer from 1 to 5, not ${options.rounds}`);
const profileRoot = options["cpu-prof"] ? mkdtempSync(join(os.tmpdir(), "checkpointd-cache-prof-")) : undefined;

const log = (message: string) => console.error(`[cache] ${message}`);
/** The cold-thread group a miss run reads: its own per round, concurrency and phase, so no pair is read twice. */
const coldGroup = (round: number, concurrency: number, phase: "warm" | "run") => `cold-r${round}-c${concurrency}-${phase}`;

// If the runner is interrupted, the server child must not outlive it (PostgreSQL and Redis clean up on exit by themselves).
let current: BenchTarget | undefined;
process.on("exit", () => current?.kill());
process.once("SIGINT", () => process.exit(130));
process.once("SIGTERM", () => process.exit(143));

const runs: CacheLoadRun[] = [];
const profiles = new Map<CacheScenarioId, CpuProfileSummary>();
let realResponseBytes = Number.NaN;

const postgres = await startPostgres();
try {
  const redis = await startRedis();
  try {
    const databaseUrl = await createDatabase(postgres.url);

    // Seed: the hot thread through the real server's Put/PutWrites (no cache, so Redis starts empty), then SQL clones.
    log("seeding the hot thread (100 checkpoints) through Put/PutWrites");
    const seeder = await spawnCheckpointd(["--cache", "off"], { DATABASE_URL: databaseUrl });
    try {
      await seedHotThread(seeder.port);
      const client = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${seeder.port}` }));
      const latest = await client.getTuple({ config: { threadId: benchHistory.hotThreadId } });
      const tuple = latest.tuple;
      if (
        tuple?.config?.checkpointId !== benchHistory.checkpointId(benchHistory.checkpointsPerThread - 1) ||
        tuple.pendingWrites.length !== 3
      ) {
        throw new Error("the hot thread's latest tuple is not what was seeded");
      }
      if (Object.keys(tuple.checkpoint?.channelValues ?? {}).length !== 5)
        throw new Error("the hot thread's latest tuple lacks channel values");
      realResponseBytes = toBinary(GetTupleResponseSchema, latest).byteLength;
    } finally {
      await seeder.stop();
    }
    const coldThreads: string[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const step of plan) {
        for (const phase of ["warm", "run"] as const) {
          const group = coldGroup(round, step.concurrency, phase);
          for (let n = 0; n < benchHistory.coldThreadsFor(step.requests); n++) coldThreads.push(benchHistory.coldThreadId(group, n));
        }
      }
    }
    log(
      `cloning it into ${coldThreads.length} cold threads (${coldThreads.length * benchHistory.checkpointsPerThread} checkpoints) with SQL`,
    );
    await cloneThread(databaseUrl, benchHistory.hotThreadId, coldThreads);

    // Whose CPU counts as "store": redis-server, and the postmaster with all its children.
    const redisPid = Number(/process_id:(\d+)/.exec(await sendRedisCommand(redis.port, ["INFO", "server"]))?.[1]);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const checkpointer = await db.query<{ pid: number }>("select pid from pg_stat_activity where backend_type = 'checkpointer'");
    await db.end();
    const postmasterPid = readProcessStat(checkpointer.rows[0]?.pid ?? -1)?.ppid;
    if (!Number.isInteger(redisPid) || postmasterPid === undefined) throw new Error("could not find the redis-server and postmaster pids");
    const storeCpuMicros = () => (readProcessStat(redisPid)?.cpuMicros ?? Number.NaN) + readProcessTreeCpuMicros(postmasterPid);

    for (let round = 1; round <= rounds; round++) {
      const order: CacheScenario[] = cacheScenarios.map((_, i) => cacheScenarios[(i + round - 1) % cacheScenarios.length]!);
      for (const scenario of order) {
        const tag = `[round ${round}/${rounds}] [${scenario.id}]`;
        if (scenario.server !== "stub" && scenario.server.redis) await sendRedisCommand(redis.port, ["FLUSHALL"]);
        const cpuProfileDir = profileRoot === undefined ? undefined : join(profileRoot, scenario.id);
        if (cpuProfileDir !== undefined) mkdirSync(cpuProfileDir, { recursive: true });
        const target = await spawnBenchTarget(scenario, { databaseUrl, redisUrl: redis.url, cpuProfileDir });
        current = target;
        try {
          for (const step of plan) {
            const ghz = (phase: "warm" | "run"): GhzRun => ({
              target: `127.0.0.1:${target.port}`,
              call: getTuple,
              data: scenario.request === "latest" ? latestData : missRequestData(coldGroup(round, step.concurrency, phase), step.requests),
              concurrency: step.concurrency,
              requests: step.requests,
              maxDurationSeconds,
              cpus: 1,
            });
            const warm = await runGhz(ghz("warm"));
            log(`${tag} warm-up c=${step.concurrency} n=${warm.count}: ${warm.rps.toFixed(0)} req/s, ${warm.errors} errors`);
            const cacheBefore = await target.cacheCounters();
            const cpuBefore = await target.cpuMicros();
            const storeBefore = storeCpuMicros();
            const result = await runGhz(ghz("run"));
            const cpuAfter = await target.cpuMicros();
            const storeAfter = storeCpuMicros();
            const cacheAfter = await target.cacheCounters();
            const perRequest = (micros: number) => (result.count > 0 ? micros / result.count : Number.NaN);
            const cache =
              cacheBefore === undefined || cacheAfter === undefined
                ? undefined
                : {
                    hits: cacheAfter.hits - cacheBefore.hits,
                    misses: cacheAfter.misses - cacheBefore.misses,
                    fills: cacheAfter.fills - cacheBefore.fills,
                  };
            if (cacheAfter !== undefined && cacheAfter.state !== "ok") log(`${tag} WARNING: cache state ${cacheAfter.state}`);
            const run: CacheLoadRun = {
              round,
              library: scenario.id,
              result,
              serverCpuMicrosPerRequest: perRequest(cpuAfter - cpuBefore),
              storeCpuMicrosPerRequest: perRequest(storeAfter - storeBefore),
              cache,
            };
            runs.push(run);
            log(
              `${tag} GetTuple c=${step.concurrency} n=${result.count}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, ` +
                `p99 ${result.p99Ms.toFixed(2)} ms, ${result.errors} errors, server ${run.serverCpuMicrosPerRequest.toFixed(0)} µs CPU/req, ` +
                `store ${run.storeCpuMicrosPerRequest.toFixed(0)} µs CPU/req` +
                (cache === undefined ? "" : `, L1 hits ${cache.hits} misses ${cache.misses} fills ${cache.fills}`),
            );
            if (result.errors > 0) log(`${tag} errors: ${JSON.stringify(result.errorDistribution)}`);
          }
        } finally {
          await target.stop();
          current = undefined;
        }
        if (cpuProfileDir !== undefined && round === rounds) profiles.set(scenario.id, summarizeCpuProfile(cpuProfileDir, 12));
      }
    }
  } finally {
    await redis.stop();
  }
} finally {
  await postgres.destroy();
}
if (profileRoot !== undefined) log(`CPU profiles: ${profileRoot}`);

// ghz prints its version on stderr.
const ghzVersionRun = spawnSync(ghzPath(), ["--version"], { encoding: "utf8", timeout: 10_000 });
console.log(
  formatCacheReport({
    machine: {
      cores: os.availableParallelism(),
      memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
      node: process.version,
      ghz: `${ghzVersionRun.stdout}${ghzVersionRun.stderr}`.trim(),
      date: new Date().toISOString(),
      loadAverage: os
        .loadavg()
        .map((value) => value.toFixed(2))
        .join(", "),
    },
    command: `pnpm install && pnpm exec tsc -b packages/server && pnpm --filter @checkpointd/bench run cache${rounds > 1 ? ` --rounds ${rounds}` : ""}${profileRoot !== undefined ? " --cpu-prof" : ""}${options.quick ? " --quick" : ""}`,
    echoResponseBytes: cannedGetTupleResponseBytes,
    realResponseBytes,
    channelValueBytes: cannedChannelValueBytes,
    plan,
    rounds,
    runs,
    profiles,
  }),
);
