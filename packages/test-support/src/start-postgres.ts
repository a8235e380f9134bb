import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { appendFile, chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { findPostgresBinDir } from "./find-postgres-bin-dir.js";
import { freePort } from "./free-port.js";
import { runCommand } from "./run-command.js";
import { serverOwner } from "./server-owner.js";
import { waitUntil } from "./wait-until.js";

/** A throwaway PostgreSQL server for tests, listening on 127.0.0.1 with trust auth. */
export interface PostgresInstance {
  /** Admin URL, e.g. `postgres://postgres@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  readonly port: number;
  /** Fast shutdown (`pg_ctl stop -m fast`); the data directory is kept. No-op when stopped. */
  stop(): Promise<void>;
  /** Starts again on the same port and waits until it accepts connections. No-op when running. */
  start(): Promise<void>;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
  /** Immediate shutdown (`pg_ctl stop -m immediate`): a crash, recovered from WAL at the next start. */
  crash(): Promise<void>;
  /** A standby becomes a primary (`pg_ctl promote --wait`). */
  promote(): Promise<void>;
}

export interface StartPostgresOptions {
  port?: number;
  /** PostgreSQL's own durable defaults (fsync, synchronous_commit, full_page_writes on) instead of the fast test settings. */
  durable?: boolean;
  /** A streaming standby of this server (`pg_basebackup -R`), instead of a new cluster. */
  standbyOf?: PostgresInstance;
}

const READY_TIMEOUT_S = 30;

/** Instances not yet destroyed (data dir -> temp dir): killed and removed if the process exits first. */
const live = new Map<string, string>();
function killLeftovers(): void {
  for (const [dataDir, baseDir] of live) {
    try {
      const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
      if (pid > 0) process.kill(pid, "SIGQUIT"); // immediate shutdown
    } catch {
      // not running
    }
    rmSync(baseDir, { recursive: true, force: true });
  }
}
function track(dataDir: string, baseDir: string | undefined): void {
  if (baseDir === undefined) live.delete(dataDir);
  else live.set(dataDir, baseDir);
  // Listen only while something is live, so many test files in one worker do not pile up listeners.
  process.off("exit", killLeftovers);
  if (live.size > 0) process.on("exit", killLeftovers);
}

async function probe(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts a fresh PostgreSQL (initdb into a temp dir, binaries from `pg_config --bindir`) on a free
 * loopback port, tuned for tests (no fsync) unless `durable`, and waits until it accepts connections
 * (30 s at most). With `standbyOf`, the new server is a streaming standby of that one.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresInstance> {
  const binDir = findPostgresBinDir();
  const owner = await serverOwner();
  const port = options.port ?? (await freePort());
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const baseDir = await mkdtemp(join(tmpdir(), "checkpointd-pg-"));
  const dataDir = join(baseDir, "data");
  const logFile = join(baseDir, "postgres.log");
  const run = (tool: string, args: readonly string[]): Promise<string> => {
    const bin = join(binDir, tool);
    return owner === undefined
      ? runCommand(bin, args, { cwd: baseDir })
      : runCommand("runuser", ["-u", "postgres", "--", bin, ...args], { cwd: baseDir });
  };
  const logTail = async (): Promise<string> => {
    const log = await readFile(logFile, "utf8").catch(() => "");
    return log.trim().split("\n").slice(-20).join("\n");
  };

  let running = false;
  const start = async (): Promise<void> => {
    if (running) return;
    try {
      await run("pg_ctl", ["start", "--wait", `--timeout=${READY_TIMEOUT_S}`, "-D", dataDir, "-l", logFile]);
      running = true;
      await waitUntil(`PostgreSQL on port ${port}`, () => probe(url), { timeoutMs: READY_TIMEOUT_S * 1000 });
    } catch (error) {
      running = existsSync(join(dataDir, "postmaster.pid"));
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n--- ${logFile} (tail) ---\n${await logTail()}`, { cause: error });
    }
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    await run("pg_ctl", ["stop", "--wait", "-m", "fast", "-D", dataDir]);
    running = false;
  };
  const destroy = async (): Promise<void> => {
    await stop();
    track(dataDir, undefined);
    await rm(baseDir, { recursive: true, force: true });
  };

  track(dataDir, baseDir);
  try {
    if (owner !== undefined) await chown(baseDir, owner.uid, owner.gid);
    if (options.standbyOf === undefined) {
      await run("initdb", ["-D", dataDir, "--auth=trust", "-U", "postgres", "--encoding=UTF8", "--no-locale", "--no-sync"]);
    } else {
      const primary = ["-h", "127.0.0.1", "-p", String(options.standbyOf.port), "-U", "postgres"];
      await run("pg_basebackup", [...primary, "-D", dataDir, "-R", "-X", "stream", "--no-sync"]);
    }
    const settings = {
      listen_addresses: "'127.0.0.1'",
      port: String(port),
      unix_socket_directories: `'${baseDir}'`,
      max_connections: "200",
      ...(options.durable === true ? {} : { fsync: "off", synchronous_commit: "off", full_page_writes: "off" }),
    };
    const lines = Object.entries(settings).map(([key, value]) => `${key} = ${value}`);
    await appendFile(join(dataDir, "postgresql.conf"), `\n# checkpointd test harness\n${lines.join("\n")}\n`);
    await start();
  } catch (error) {
    await destroy().catch(() => undefined);
    throw error;
  }
  const crash = async (): Promise<void> => {
    if (!running) return;
    await run("pg_ctl", ["stop", "--wait", "-m", "immediate", "-D", dataDir]);
    running = false;
  };
  const promote = async (): Promise<void> => {
    await run("pg_ctl", ["promote", "--wait", `--timeout=${READY_TIMEOUT_S}`, "-D", dataDir]);
  };
  return { url, port, start, stop, destroy, crash, promote };
}

/**
 * Creates a database on the server at `adminUrl` and returns its URL. Without `name`, the
 * database gets a fresh unique name (`checkpointd_test_<random>`).
 */
export async function createDatabase(adminUrl: string, name?: string): Promise<string> {
  const database = name ?? `checkpointd_test_${randomBytes(8).toString("hex")}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
