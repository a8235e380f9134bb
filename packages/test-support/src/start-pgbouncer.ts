import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.js";
import { serverOwner } from "./server-owner.js";
import { waitUntil } from "./wait-until.js";

/** A throwaway PgBouncer in front of one PostgreSQL database, on loopback. */
export interface PgBouncerInstance {
  /** The same database as the upstream URL, reached through the pooler. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface StartPgBouncerOptions {
  /**
   * `postgres://user@host:port/database` of the database to pool (trust authentication). With
   * `allDatabases`, any database of that server is reached by its name through the pooler.
   */
  upstreamUrl: string;
  allDatabases?: boolean;
  /** Default `transaction`: how most managed PostgreSQL is reached. */
  poolMode?: "session" | "transaction" | "statement";
  /** Server connections per database and user (default 4). */
  poolSize?: number;
}

const READY_TIMEOUT_MS = 30_000;

/** Debian installs it in /usr/sbin, which a non-login PATH may lack. */
const pgbouncerBinary = () => (existsSync("/usr/sbin/pgbouncer") ? "/usr/sbin/pgbouncer" : "pgbouncer");

/**
 * Starts Debian's `pgbouncer` (as the `postgres` user when run as root: it refuses root)
 * on a free loopback port, pooling the upstream database, and waits until a query
 * goes through it.
 */
export async function startPgBouncer(options: StartPgBouncerOptions): Promise<PgBouncerInstance> {
  const upstream = new URL(options.upstreamUrl);
  const database = decodeURIComponent(upstream.pathname.slice(1));
  const user = decodeURIComponent(upstream.username) || "postgres";
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "checkpointd-pgbouncer-"));
  const ini = [
    "[databases]",
    options.allDatabases === true
      ? `* = host=${upstream.hostname} port=${upstream.port} user=${user}`
      : `${database} = host=${upstream.hostname} port=${upstream.port} dbname=${database} user=${user}`,
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${port}`,
    `unix_socket_dir = ${dir}`,
    "auth_type = trust",
    `auth_file = ${join(dir, "users.txt")}`,
    `pool_mode = ${options.poolMode ?? "transaction"}`,
    `default_pool_size = ${options.poolSize ?? 4}`,
    "max_client_conn = 200",
    "ignore_startup_parameters = extra_float_digits,options",
    `pidfile = ${join(dir, "pgbouncer.pid")}`,
  ].join("\n");
  await writeFile(join(dir, "pgbouncer.ini"), `${ini}\n`);
  await writeFile(join(dir, "users.txt"), `"${user}" ""\n`);
  const owner = await serverOwner();
  if (owner !== undefined) {
    for (const path of [dir, join(dir, "pgbouncer.ini"), join(dir, "users.txt")]) await chown(path, owner.uid, owner.gid);
  }
  // As root, pgbouncer drops to the postgres user itself (`-u`), so signals reach it directly.
  const args = owner === undefined ? [join(dir, "pgbouncer.ini")] : ["-u", "postgres", join(dir, "pgbouncer.ini")];
  let output = "";
  const child: ChildProcess = spawn(pgbouncerBinary(), args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-4_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);

  const url = new URL(options.upstreamUrl);
  url.port = String(port);
  const stop = async () => {
    process.off("exit", kill);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGINT");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      `PgBouncer on port ${port}`,
      async () => {
        const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 2_000 });
        client.on("error", () => undefined);
        try {
          await client.connect();
          await client.query("select 1");
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      {
        timeoutMs: READY_TIMEOUT_MS,
        fatal: () => (child.exitCode === null ? undefined : `pgbouncer exited (${child.exitCode}): ${output.trim()}`),
      },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: url.toString(), port, stop };
}
