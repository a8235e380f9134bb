import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect, type KyselyConfig } from "kysely";
import { createNamedStatementPool } from "./named-statement-pool.js";
import { Migrator } from "kysely/migration";
import pg from "pg";
import type { StorageMetrics } from "../metrics/storage-metrics.js";
import { statementKindOf } from "../metrics/storage-metrics.js";
import type { Database } from "./database-schema.js";
import { migrationProvider } from "./migrations.js";

export interface DatabaseOptions {
  /** A postgres:// URL; when undefined the embedded PGlite engine is used. */
  databaseUrl: string | undefined;
  /** PGlite's data directory (or `memory://`), used when databaseUrl is undefined. */
  dataDir: string;
  /** PostgreSQL: name the frequent statements (`auto`, the default) or not (`off`); see named-statement-pool.ts. */
  preparedStatements?: "auto" | "off" | undefined;
  /** Told once when the database refuses a named statement and naming stops (a transaction-mode pooler). */
  onPreparedStatementsRefused?: ((error: Error) => void) | undefined;
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number;
  /** Called with errors of idle pooled connections (Postgres restarting, say). */
  onPoolError?: (error: Error) => void;
  /** Records every statement's duration and reads the pool's counts; undefined: nothing recorded. */
  metrics?: StorageMetrics | undefined;
  /** Told of every statement after it ran, with its duration (the tracer's child spans). */
  onStatement?: ((sql: string, durationMs: number, error: unknown) => void) | undefined;
}

/** Kysely's log hook, when anything listens: it times each statement (two clock reads). */
function statementLog(options: DatabaseOptions): Pick<KyselyConfig, "log"> {
  const { metrics, onStatement } = options;
  if (metrics === undefined && onStatement === undefined) return {};
  return {
    log: (event) => {
      const sql = event.query.sql;
      metrics?.statement(statementKindOf(sql)).observe(event.queryDurationMillis / 1000);
      onStatement?.(sql, event.queryDurationMillis, event.level === "error" ? event.error : undefined);
    },
  };
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  engine: "postgres" | "pglite";
}

/**
 * Distinct statement texts named per process: the shapes of single Puts, PutWrites and reads
 * (a few dozen in practice); larger groups run unnamed, where one parse is shared by many rows.
 */
const namedStatementsPerProcess = 64;

/** A Kysely handle on PostgreSQL (a pool) or on embedded PGlite; the schema is left as it is (see migrateToLatest). */
export async function connectDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl === undefined) {
    const pglite = new PGlite(options.dataDir);
    await pglite.waitReady;
    return { db: new Kysely<Database>({ dialect: new PGliteDialect({ pglite }), ...statementLog(options) }), engine: "pglite" };
  }
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    // Recycle idle connections before a proxy or firewall drops them silently.
    idleTimeoutMillis: 30_000,
  });
  pool.on("error", (error) => options.onPoolError?.(error));
  // pg-pool listens for errors only on idle clients; a checked-out client that the
  // server disconnects (Postgres restarting) would otherwise crash the process.
  // Its next query fails instead, and the call gets UNAVAILABLE.
  pool.on("connect", (client) => client.on("error", (error) => options.onPoolError?.(error)));
  options.metrics?.observePool(pool);
  const dialectPool =
    options.preparedStatements === "off"
      ? pool
      : createNamedStatementPool(pool, { maxStatements: namedStatementsPerProcess, onDisabled: options.onPreparedStatementsRefused });
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: dialectPool }), ...statementLog(options) }),
    engine: "postgres",
  };
}

/**
 * Kysely's Migrator creates its own two tables (`if not exists`) before it takes its lock, so two
 * replicas migrating a fresh database at once can both try to create them; the loser gets a
 * unique violation on PostgreSQL's catalog (`pg_type_typname_nsp_index`) or "already exists".
 * The tables are there by then: running again is the fix.
 */
function lostCreateRace(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  return (code === "23505" && constraint === "pg_type_typname_nsp_index") || code === "42P07" || code === "42710";
}

/** Brings the schema to the latest migration. Safe to run from several replicas at once. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  let { error, results } = await migrator.migrateToLatest();
  for (let attempt = 1; error !== undefined && lostCreateRace(error) && attempt <= 3; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error !== undefined) throw error;
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
