/**
 * A throwaway checkpointd stack for test suites written in other languages (pytest, go test):
 * PostgreSQL, redis-server and a checkpointd process on 127.0.0.1, all started here.
 *
 *   checkpointd-test-stack [--backend postgres|pglite]   (packages/test-support/bin/checkpointd-test-stack.js)
 *
 * Prints one JSON line on stdout once the server listens:
 * `{"address":"127.0.0.1:PORT","httpPort":…,"databaseUrl":…,"redisUrl":…}` (the last two absent on
 * pglite), then runs until its stdin closes or it gets SIGTERM/SIGINT, and tears everything down.
 * Uses CHECKPOINTD_TEST_DATABASE_URL (an admin URL) when set instead of starting PostgreSQL.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCheckpointd } from "./spawn-checkpointd.js";
import { createDatabase, startPostgres, type PostgresInstance } from "./start-postgres.js";
import { startRedis, type RedisInstance } from "./start-redis.js";

const backendFlag = process.argv.indexOf("--backend");
const backend = backendFlag === -1 ? "postgres" : process.argv[backendFlag + 1];
if (backend !== "postgres" && backend !== "pglite") {
  process.stderr.write(`test-stack: --backend must be postgres or pglite, got ${String(backend)}\n`);
  process.exit(2);
}

const cleanups: Array<() => Promise<unknown>> = [];
async function tearDown(): Promise<void> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  void tearDown().finally(() => process.exit(0));
}
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

try {
  let args: string[];
  let env: Record<string, string> = {};
  let databaseUrl: string | undefined;
  let redisUrl: string | undefined;
  if (backend === "postgres") {
    let adminUrl = process.env.CHECKPOINTD_TEST_DATABASE_URL;
    if (adminUrl === undefined) {
      const postgres: PostgresInstance = await startPostgres();
      cleanups.push(() => postgres.destroy());
      adminUrl = postgres.url;
    }
    databaseUrl = await createDatabase(adminUrl);
    const redis: RedisInstance = await startRedis();
    cleanups.push(() => redis.stop());
    redisUrl = redis.url;
    args = [];
    env = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl };
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), "checkpointd-stack-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    args = ["--data-dir", dataDir];
  }
  // The sweeper passes twice a second: with no retention defaults it trims only threads given a
  // policy of their own (SetRetention), so the clients' tests can watch retention act.
  const server = await spawnCheckpointd([...args, "--sweep-interval", "500ms"], env);
  cleanups.push(() => server.stop());
  const ready = { address: `127.0.0.1:${server.port}`, httpPort: server.httpPort, databaseUrl, redisUrl };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  void server.exited.then(({ code, signal }) => {
    if (stopping) return;
    process.stderr.write(`test-stack: checkpointd exited (${code ?? signal}):\n${server.output().stderr}\n`);
    stop();
  });
} catch (error) {
  process.stderr.write(`test-stack: ${error instanceof Error ? error.message : String(error)}\n`);
  await tearDown();
  process.exit(1);
}
