import pg from "pg";
import {
  createDatabase,
  type PostgresInstance,
  type RedisInstance,
  sendRedisCommand,
  spawnCheckpointd,
  type SpawnedCheckpointd,
  startPostgres,
  startRedis,
} from "@checkpointd/test-support";
import { latestCacheStats, type CacheCounters } from "../cache/latest-cache-stats.js";
import { readProcessStat } from "../cache/read-process-stat.js";
import { readProcessTreeCpuMicros } from "../cache/read-process-tree-cpu-micros.js";
import { spawnStubServer, type SpawnedStubServer } from "../transport/spawn-stub-server.js";
import { childPids, pinProcess, pinProcessTree } from "./pin-processes.js";

/** Everything the comparison runs against, all on 127.0.0.1. */
export interface CompareServices {
  postgres: PostgresInstance;
  redis: RedisInstance;
  /** checkpointd's database, and PostgresSaver's (same PostgreSQL server). */
  checkpointdDatabaseUrl: string;
  saverDatabaseUrl: string;
  checkpointd: SpawnedCheckpointd;
  /** The transport harness's grpc-js stub: the bare gRPC echo. */
  echo: SpawnedStubServer;
  /** CPU used so far (µs): checkpointd, PostgreSQL (postmaster and its children), redis-server. */
  cpuMicros(): { checkpointd: number; postgres: number; redis: number };
  /** checkpointd's L1 counters as of now (waits for its next stats line). */
  cacheCounters(): Promise<CacheCounters>;
  /** Starts another checkpointd on a database of its own (storage growth); stopped by stop(). */
  spawnExtraCheckpointd(databaseUrl: string): Promise<SpawnedCheckpointd>;
  /** Process ids, for reading their CPU affinity. */
  pids: { postgres: number; redis: number; checkpointd: number; echo: number };
  stop(): Promise<void>;
}

export interface CompareServicesOptions {
  /** Extra environment for checkpointd processes (NODE_OPTIONS for the profiler). */
  serverEnv?: Record<string, string>;
  /**
   * `--pin`: the CPU every service runs on. The postmaster (and the children it
   * has by then) is pinned as soon as it is up, before any database is created;
   * redis-server, checkpointd (also the extra one) and the echo stub right after
   * they start, before any load.
   */
  pinCpu?: number;
  log: (message: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Child processes to SIGKILL if the runner exits before stop() (PostgreSQL and Redis clean up by themselves). */
const children = new Set<SpawnedCheckpointd>();
process.on("exit", () => children.forEach((child) => child.process.kill("SIGKILL")));

async function postmasterPid(databaseUrl: string): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const result = await db.query<{ pid: number }>("select pid from pg_stat_activity where backend_type = 'checkpointer'");
    const ppid = readProcessStat(result.rows[0]?.pid ?? -1)?.ppid;
    if (ppid === undefined) throw new Error("could not find the postmaster's pid");
    return ppid;
  } finally {
    await db.end();
  }
}

/**
 * Starts a throwaway PostgreSQL and redis-server, two databases, checkpointd
 * (PostgreSQL + Redis L1, cache stats logged every second) and the bare echo
 * stub. On failure everything already started is stopped again.
 */
export async function startCompareServices(options: CompareServicesOptions): Promise<CompareServices> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => options.log(`cleanup failed: ${String(error)}`));
    cleanups.length = 0;
  };
  const spawnServer = async (args: string[], env: Record<string, string>) => {
    const server = await spawnCheckpointd(args, env);
    children.add(server);
    if (options.pinCpu !== undefined) pinProcess(server.process.pid ?? -1, options.pinCpu);
    cleanups.push(async () => {
      await server.stop();
      children.delete(server);
    });
    return server;
  };
  try {
    const postgres = await startPostgres();
    cleanups.push(() => postgres.destroy());
    const postgresPid = await postmasterPid(postgres.url);
    if (options.pinCpu !== undefined) pinProcessTree(postgresPid, options.pinCpu);
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const redisPid = Number(/process_id:(\d+)/.exec(await sendRedisCommand(redis.port, ["INFO", "server"]))?.[1]);
    if (options.pinCpu !== undefined) pinProcess(redisPid, options.pinCpu);
    const checkpointdDatabaseUrl = await createDatabase(postgres.url, "checkpointd");
    const saverDatabaseUrl = await createDatabase(postgres.url, "postgres_saver");
    const checkpointd = await spawnServer(["--stats-interval-seconds", "1", "--http-port", "off"], {
      DATABASE_URL: checkpointdDatabaseUrl,
      REDIS_URL: redis.url,
      ...options.serverEnv,
    });
    const childrenBefore = new Set(childPids(process.pid));
    const echo = await spawnStubServer("grpc-js");
    cleanups.push(() => echo.stop());
    const echoPids = childPids(process.pid).filter((pid) => !childrenBefore.has(pid) && pid !== checkpointd.process.pid);
    if (echoPids.length !== 1) throw new Error(`expected one new child process for the echo stub, found ${echoPids.length}`);
    const echoPid = echoPids[0] ?? -1;
    if (options.pinCpu !== undefined) pinProcess(echoPid, options.pinCpu);
    options.log(`PostgreSQL on ${postgres.port}, Redis on ${redis.port}, checkpointd on ${checkpointd.port}, echo stub on ${echo.port}`);

    const checkpointdPid = checkpointd.process.pid ?? -1;
    return {
      postgres,
      redis,
      checkpointdDatabaseUrl,
      saverDatabaseUrl,
      checkpointd,
      echo,
      cpuMicros: () => ({
        checkpointd: readProcessStat(checkpointdPid)?.cpuMicros ?? Number.NaN,
        postgres: readProcessTreeCpuMicros(postgresPid),
        redis: readProcessStat(redisPid)?.cpuMicros ?? Number.NaN,
      }),
      async cacheCounters() {
        const seen = checkpointd.output().stdout.length;
        for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
          await sleep(100);
          const counters = latestCacheStats(checkpointd.output().stdout.slice(seen));
          if (counters !== undefined) return counters;
        }
        throw new Error("checkpointd logged no cache stats line within 5 s");
      },
      spawnExtraCheckpointd: (databaseUrl) => spawnServer(["--cache", "off", "--http-port", "off"], { DATABASE_URL: databaseUrl }),
      pids: { postgres: postgresPid, redis: redisPid, checkpointd: checkpointdPid, echo: echoPid },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
