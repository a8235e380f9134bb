import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { Kysely, KyselyPlugin } from "kysely";
import { pino } from "pino";
import {
  connectDatabase,
  createKyselyStorage,
  migrateToLatest,
  serveStorage,
  type CheckpointCache,
  type Database,
  type Authenticator,
  type EventBus,
  type RetentionDefaults,
  type Sweeper,
  createSweepStore,
  type StorageChunking,
} from "@checkpointd/server";
import { createDatabase as createPostgresDatabase } from "../start-postgres.js";

/** Embedded PGlite; PostgreSQL directly; PostgreSQL through PgBouncer in transaction mode (how most managed PostgreSQL is reached). */
export type TestEngine = "pglite" | "postgres" | "pgbouncer";
export const testEngines: readonly TestEngine[] = ["pglite", "postgres", "pgbouncer"];

/** A new database on the test PostgreSQL: its direct URL, and the URL through the test PgBouncer. */
export async function createTestDatabase(): Promise<{ direct: string; pooled: string }> {
  const admin = process.env.CHECKPOINTD_TEST_DATABASE_URL;
  const bouncer = process.env.CHECKPOINTD_TEST_PGBOUNCER_URL;
  if (admin === undefined || bouncer === undefined) {
    throw new Error(
      "CHECKPOINTD_TEST_DATABASE_URL / CHECKPOINTD_TEST_PGBOUNCER_URL are not set: run the tests through jest's global setup",
    );
  }
  const direct = await createPostgresDatabase(admin);
  const pooled = new URL(direct);
  pooled.port = new URL(bouncer).port;
  return { direct, pooled: pooled.toString() };
}

/** A migrated, empty database: in-memory PGlite, or a new database on the test PostgreSQL (directly or through PgBouncer). */
export async function openTestDatabase(engine: TestEngine, databaseUrl?: string): Promise<Kysely<Database>> {
  let url: string | undefined;
  if (engine !== "pglite") {
    url = databaseUrl ?? (await createTestDatabase())[engine === "postgres" ? "direct" : "pooled"];
  }
  const { db } = await connectDatabase({ databaseUrl: url, dataDir: "memory://" });
  await migrateToLatest(db);
  return db;
}

export interface TestServer {
  port: number;
  /** The Connect / gRPC-Web / HTTP port. */
  httpPort: number;
  address: string;
  engine: TestEngine;
  /** The server's own database, for assertions on the tables. */
  db: Kysely<Database>;
  /** The generated TypeScript client (protobuf-es + Connect's gRPC transport). */
  client: Client<typeof CheckpointService>;
  /** The sweeper, when `sweeper` was asked for. */
  sweeper: Sweeper | undefined;
  close(): Promise<void>;
}

/**
 * A real checkpointd gRPC server on a free loopback port, on a fresh database:
 * in-memory PGlite, or a new database on the PostgreSQL the global setup
 * started (CHECKPOINTD_TEST_DATABASE_URL).
 */
export interface TestServerOptions {
  /** Kysely plugins on the server's database handle, e.g. to count queries. */
  plugins?: KyselyPlugin[];
  corsOrigins?: string[];
  /** An L1 cache in front of storage, as the CLI sets one up. */
  cache?: CheckpointCache;
  /** Passed to the server (default: the server's, 30 s). */
  streamStallMs?: number;
  /** Who makes each call (default: authentication off). */
  authenticator?: Authenticator;
  /** Rows per List query (default 7, so that short test histories span several pages; the server's own default is 100). */
  listPageSize?: number;
  /** Tells watchers of other servers on the same database about new events (default: in-process only). */
  bus?: EventBus;
  /** Heartbeat (and event-log re-read) on idle streams (default: the server's). */
  heartbeatMs?: number;
  /** Serve this database as it is (not migrated here) instead of a fresh one; closing the server closes it. */
  db?: Kysely<Database>;
  /** Services other than CheckpointService callable without credentials (default: the server's). */
  publicServices?: readonly string[];
  /** Retention defaults (default: none). */
  retention?: RetentionDefaults;
  /** Run the sweeper (default: none); a test drives it with `sweeper.runPass({ force: true })` or lets it tick. */
  sweeper?: { intervalMs: number; batch: number; holder?: string };
  /** How large values are cut into chunks (default: the server's defaults). */
  chunking?: StorageChunking;
}

/**
 * CHECKPOINTD_TEST_LOG_LEVEL: every line at that level to stdout. Unset: quiet, except a call
 * that failed with INTERNAL (a bug by definition), whose line goes to stderr so that a rare
 * failure in CI comes with its cause.
 */
function testServerLogger() {
  const level = process.env.CHECKPOINTD_TEST_LOG_LEVEL;
  if (level !== undefined) return pino({ level });
  return pino(
    { level: "error" },
    {
      write(line: string) {
        if (line.includes('"code":"Internal"')) process.stderr.write(`test server: ${line}`);
      },
    },
  );
}

export async function startTestServer(engine: TestEngine, databaseUrl?: string, options: TestServerOptions = {}): Promise<TestServer> {
  const db = (options.plugins ?? []).reduce(
    (d, plugin) => d.withPlugin(plugin),
    options.db ?? (await openTestDatabase(engine, databaseUrl)),
  );
  const logger = testServerLogger();
  const storage = createKyselyStorage({ db, listPageSize: options.listPageSize ?? 7, chunking: options.chunking });
  const served = await serveStorage({
    storage,
    cache: options.cache,
    logger,
    host: "127.0.0.1",
    port: 0,
    httpPort: 0,
    corsOrigins: options.corsOrigins ?? [],
    maxMessageBytes: 16 * 1024 * 1024,
    shutdownGraceMs: 2_000,
    ...(options.streamStallMs === undefined ? {} : { streamStallMs: options.streamStallMs }),
    authenticator: options.authenticator,
    bus: options.bus,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.publicServices === undefined ? {} : { publicServices: options.publicServices }),
    ...(options.retention === undefined ? {} : { retention: options.retention }),
    ...(options.sweeper === undefined ? {} : { sweeper: { ...options.sweeper, store: createSweepStore(db) } }),
  });
  const address = `127.0.0.1:${served.port}`;
  const client = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://${address}` }));
  return { port: served.port, httpPort: served.httpPort!, address, engine, db, client, sweeper: served.sweeper, close: served.close };
}
