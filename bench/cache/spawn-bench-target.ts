import { spawnCheckpointd } from "@checkpointd/test-support";
import { spawnStubServer, type SpawnedStubServer } from "../transport/spawn-stub-server.js";
import type { CacheScenario } from "./cache-scenario.js";
import { latestCacheStats, type CacheCounters } from "./latest-cache-stats.js";
import { readProcessStat } from "./read-process-stat.js";

/** A server under test, whatever it is. */
export interface BenchTarget {
  port: number;
  /** CPU (user + system, all threads) the server process has used so far, in µs. */
  cpuMicros(): Promise<number>;
  /** The L1 counters as of now (waits for the next 1 s stats log line); undefined without a cache. */
  cacheCounters(): Promise<CacheCounters | undefined>;
  stop(): Promise<void>;
  /** Last resort, synchronous (for an exiting runner): SIGKILL the server if it is a process of ours. */
  kill(): void;
}

export interface BenchTargetOptions {
  databaseUrl: string;
  redisUrl: string;
  /** When set, the server runs with V8's sampling profiler on and writes a .cpuprofile here on exit. */
  cpuProfileDir?: string | undefined;
}

/** tsx (so that Node can load the TypeScript preload) and the preload that profiles, for NODE_OPTIONS. */
const profilerImports = `--import=${import.meta.resolve("tsx")} --import=${import.meta.resolve("./cpu-profile-preload.ts")}`;

const statsIntervalSeconds = 1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the scenario's server on 127.0.0.1 and a free port: the transport
 * harness's grpc-js stub child for the bare echo, else the real checkpointd
 * process (`checkpointd serve --port 0 --http-port 0 …`) on PostgreSQL, with
 * Redis when the scenario asks for it.
 */
export async function spawnBenchTarget(scenario: CacheScenario, options: BenchTargetOptions): Promise<BenchTarget> {
  const profiling: Record<string, string> =
    options.cpuProfileDir === undefined ? {} : { NODE_OPTIONS: profilerImports, CHECKPOINTD_CPU_PROFILE_DIR: options.cpuProfileDir };
  if (scenario.server === "stub") {
    // fork() passes this process's environment on: the profiling variables reach the stub child only while set here.
    const saved = Object.fromEntries(Object.keys(profiling).map((name) => [name, process.env[name]]));
    Object.assign(process.env, profiling);
    let stub: SpawnedStubServer;
    try {
      stub = await spawnStubServer("grpc-js");
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    return {
      port: stub.port,
      cpuMicros: async () => (await stub.usage()).cpuMicros,
      cacheCounters: async () => undefined,
      stop: () => stub.stop(),
      // The stub child stops by itself when the runner's IPC channel closes.
      kill: () => undefined,
    };
  }

  const env: Record<string, string> = { DATABASE_URL: options.databaseUrl, ...profiling };
  if (scenario.server.redis) env["REDIS_URL"] = options.redisUrl;
  const server = await spawnCheckpointd([...scenario.server.args, "--stats-interval-seconds", String(statsIntervalSeconds)], env);
  const pid = server.process.pid;
  if (pid === undefined) {
    await server.stop();
    throw new Error("checkpointd has no pid");
  }
  const cached = !scenario.server.args.includes("off");
  return {
    port: server.port,
    async cpuMicros() {
      const stat = readProcessStat(pid);
      if (stat === undefined) throw new Error(`checkpointd (pid ${pid}) is gone`);
      return stat.cpuMicros;
    },
    async cacheCounters() {
      if (!cached) return undefined;
      // Only a line logged after this call counts every request that has finished.
      const seen = server.output().stdout.length;
      const deadline = Date.now() + (statsIntervalSeconds * 3 + 2) * 1000;
      while (Date.now() < deadline) {
        await sleep(100);
        const counters = latestCacheStats(server.output().stdout.slice(seen));
        if (counters !== undefined) return counters;
      }
      throw new Error("checkpointd logged no cache stats line in time");
    },
    async stop() {
      await server.stop();
    },
    kill: () => void server.process.kill("SIGKILL"),
  };
}
