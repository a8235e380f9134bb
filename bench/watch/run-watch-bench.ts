/**
 * Watch and Subscribe under measurement, in one run:
 *
 * 1. Interrupt-to-watcher latency: two checkpointd processes A and B on one
 *    PostgreSQL; a watcher subscribed on A; a writer sending PutWrites with an
 *    `__interrupt__` write, one after the other, through B (across replicas)
 *    and through A (same replica); with Redis pub/sub (REDIS_URL) and with
 *    PostgreSQL NOTIFY (no REDIS_URL) as the bus. `--heartbeat-ms 60000`, so
 *    what is timed is the bus, not the watchers' periodic re-read.
 * 2. 1,000 open streams: one checkpointd (PostgreSQL only, default settings),
 *    10 connections × 100 streams over 100 threads, then 200 Puts/s for 20 s;
 *    the server's RSS, delivery (every stream must get every event of its
 *    thread) and delivery latency.
 *
 * Throwaway PostgreSQL and redis-server on 127.0.0.1; every loop is bounded
 * by its count and a deadline; every process started here is stopped at the
 * end (and killed if the runner exits early). Markdown on stdout, progress
 * on stderr.
 *
 *   pnpm --filter @checkpointd/bench watch [--quick] [--rpc watch|subscribe]
 *     [--interrupts N] [--puts-per-second N] [--seconds N] [--server-logs DIR]
 *     [--clients N] [--streams-per-client N] [--threads N]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import {
  createDatabase,
  type PostgresInstance,
  type RedisInstance,
  spawnCheckpointd,
  type SpawnedCheckpointd,
  startPostgres,
  startRedis,
} from "@checkpointd/test-support";
import { readProcessStat } from "../cache/read-process-stat.js";
import { formatWatchReport, type InterruptLatencyRow, type WatchBus } from "./format-watch-report.js";
import { measureInterruptLatency } from "./measure-interrupt-latency.js";
import { measureOpenStreams } from "./measure-open-streams.js";
import { spawnProbedCheckpointd } from "./spawn-probed-checkpointd.js";
import type { EventStreamRpc } from "./open-event-stream.js";

const { values: options } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rpc: { type: "string", default: "watch" },
    interrupts: { type: "string" },
    "puts-per-second": { type: "string" },
    seconds: { type: "string" },
    clients: { type: "string" },
    "streams-per-client": { type: "string" },
    threads: { type: "string" },
    "server-logs": { type: "string" },
  },
});
const bounded = (raw: string | undefined, fallback: number, name: string, min: number, max: number): number => {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, not ${raw}`);
  return n;
};
if (options.rpc !== "watch" && options.rpc !== "subscribe") throw new Error(`--rpc must be watch or subscribe, not ${options.rpc}`);
const rpc: EventStreamRpc = options.rpc;
/** --quick: a tenth of everything, to check the harness. */
const interrupts = bounded(options.interrupts, options.quick ? 50 : 500, "interrupts", 1, 5_000);
const putsPerSecond = bounded(options["puts-per-second"], 200, "puts-per-second", 1, 2_000);
const seconds = bounded(options.seconds, options.quick ? 3 : 20, "seconds", 1, 120);
const clients = bounded(options.clients, 10, "clients", 1, 50);
const streamsPerClient = bounded(options["streams-per-client"], 100, "streams-per-client", 1, 1_000);
const threads = bounded(options.threads, 100, "threads", 1, 1_000);
if (streamsPerClient % threads !== 0)
  throw new Error("--streams-per-client must be a multiple of --threads (every thread gets as many streams)");
const warmup = options.quick ? 10 : 50;
const heartbeatMs = 60_000;
const eventTimeoutMs = 5_000;
/** Each latency scenario stops after this long, however far it got. */
const latencyDeadlineMs = 60_000;
/** The whole run gives up after this long (it takes a few minutes). */
const watchdogMs = 10 * 60_000;

const log = (message: string) => console.error(`[watch] ${message}`);
const runStarted = Date.now();

// Servers still running are killed if the runner exits early; PostgreSQL and Redis clean up on exit by themselves.
const servers = new Set<SpawnedCheckpointd>();
process.on("exit", () => {
  for (const server of servers) server.process.kill("SIGKILL");
});
process.once("SIGINT", () => process.exit(130));
process.once("SIGTERM", () => process.exit(143));
setTimeout(() => {
  log(`still running after ${watchdogMs / 60_000} min: giving up`);
  process.exit(1);
}, watchdogMs).unref();

const serverWarnings: string[] = [];
async function startServer(name: string, args: readonly string[], env: Record<string, string>): Promise<SpawnedCheckpointd> {
  const server = await spawnCheckpointd(args, env);
  servers.add(server);
  log(`${name}: pid ${server.process.pid ?? "?"}, port ${server.port}`);
  return server;
}
/**
 * Stops a server and keeps its log lines at warn level and above (pino: 40+),
 * and the recoveries that follow them ("... again ..."); with --server-logs,
 * writes its whole output there.
 */
async function stopServer(name: string, server: SpawnedCheckpointd): Promise<void> {
  await server.stop();
  servers.delete(server);
  const { stdout, stderr } = server.output();
  if (options["server-logs"] !== undefined) {
    mkdirSync(options["server-logs"], { recursive: true });
    const file = join(options["server-logs"], `${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.log`);
    writeFileSync(file, `${stdout}\n--- stderr ---\n${stderr}`);
  }
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    // Without the stack: time, level, message, the call's method and the error's message are what a reader needs.
    const entry = JSON.parse(line) as { level: number; time: number; msg?: string; method?: string; err?: { message?: string } | string };
    if (entry.level < 40 && !/ again\b/.test(entry.msg ?? "")) continue;
    const err = typeof entry.err === "string" ? entry.err : (entry.err?.message ?? "");
    const at = new Date(entry.time).toISOString().slice(11, 23);
    serverWarnings.push(`${name} ${at}: level ${entry.level} "${entry.msg ?? ""}" ${entry.method ?? ""} ${err}`.trim());
  }
  const ownStderr = stderr
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("heap-probe "))
    .join("\n");
  if (ownStderr !== "") serverWarnings.push(`${name} stderr: ${ownStderr.split("\n")[0] ?? ""}`);
}

function versionOf(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : `${command}: not found`;
}

let postgres: PostgresInstance | undefined;
let redis: RedisInstance | undefined;
const loadBefore = os.loadavg();
try {
  postgres = await startPostgres();
  redis = await startRedis();
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  const pgVersion = String((await admin.query<{ server_version: string }>("show server_version")).rows[0]?.server_version);
  // The postmaster is the parent of this connection's backend.
  const backendPid = (await admin.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid;
  const postgresPid = backendPid === undefined ? undefined : readProcessStat(backendPid)?.ppid;
  await admin.end();

  const latency: InterruptLatencyRow[] = [];
  for (const bus of ["Redis pub/sub", "PostgreSQL NOTIFY"] satisfies WatchBus[]) {
    const databaseUrl = await createDatabase(postgres.url);
    const env: Record<string, string> =
      bus === "Redis pub/sub" ? { DATABASE_URL: databaseUrl, REDIS_URL: redis.url } : { DATABASE_URL: databaseUrl };
    const args = ["--heartbeat-ms", String(heartbeatMs)];
    // One after the other: the first runs the migrations.
    const a = await startServer(`A (${bus})`, args, env);
    const b = await startServer(`B (${bus})`, args, env);
    try {
      for (const path of ["across replicas", "same replica"] as const) {
        log(`${bus}, ${path}: ${warmup} + ${interrupts} interrupts`);
        const run = await measureInterruptLatency({
          watchPort: a.port,
          writePort: path === "across replicas" ? b.port : a.port,
          threadId: `interrupt-${path === "across replicas" ? "cross" : "same"}`,
          rpc,
          warmup,
          count: interrupts,
          eventTimeoutMs,
          deadlineMs: latencyDeadlineMs,
        });
        log(
          `  p50 ${run.latency.p50Ms.toFixed(2)} ms, p99 ${run.latency.p99Ms.toFixed(2)} ms, max ${run.latency.maxMs.toFixed(2)} ms, late ${run.late}`,
        );
        latency.push({ bus, path, run });
      }
    } finally {
      // The watchers' cancellations (RST_STREAM) reach the server asynchronously: let them land before SIGTERM.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await stopServer(`A (${bus})`, a);
      await stopServer(`B (${bus})`, b);
    }
  }

  const streamsDatabaseUrl = await createDatabase(postgres.url);
  const probed = await spawnProbedCheckpointd([], { DATABASE_URL: streamsDatabaseUrl });
  const server = probed.server;
  servers.add(server);
  log(`streams server: pid ${server.process.pid ?? "?"}, port ${server.port}`);
  let streams;
  try {
    const pid = server.process.pid;
    if (pid === undefined) throw new Error("the server has no pid");
    streams = await measureOpenStreams({
      port: server.port,
      databaseUrl: streamsDatabaseUrl,
      pid,
      rpc,
      clients,
      streamsPerClient,
      threads,
      putsPerSecond,
      seconds,
      maxInFlight: 200,
      openTimeoutMs: 30_000,
      drainTimeoutMs: 20_000,
      probe: probed.probe,
      postgresPid,
      log,
    });
  } finally {
    await stopServer("streams server", server);
  }

  const loadAfter = os.loadavg();
  const memTotal = /^Mem:\s+(\d+)/m.exec(versionOf("free", ["-g"]))?.[1] ?? "?";
  const report = formatWatchReport({
    machine: [
      `${os.availableParallelism()} cores (nproc), ${memTotal} GiB RAM (free -g, total), Node ${process.version}, PostgreSQL ${pgVersion}, ${versionOf("redis-server", ["--version"]).split(" ").slice(0, 3).join(" ")}`,
      `finished ${new Date().toUTCString()} (date -u); load average (1 min) ${loadBefore[0]?.toFixed(1)} before, ${loadAfter[0]?.toFixed(1)} after`,
    ],
    cores: os.availableParallelism(),
    rpc,
    heartbeatMs,
    warmup,
    interrupts,
    eventTimeoutMs,
    latency,
    streams,
    serverWarnings,
    durationSeconds: (Date.now() - runStarted) / 1000,
  });
  console.log(report);
} finally {
  for (const server of servers) await server.stop().catch(() => undefined);
  await redis?.stop().catch(() => undefined);
  await postgres?.destroy().catch(() => undefined);
}
