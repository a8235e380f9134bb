import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import { createNamedStatementPool } from "./named-statement-pool.js";
import { Migrator } from "kysely/migration";
import pg from "pg";
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
    return { db: new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) }), engine: "pglite" };
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
  const dialectPool =
    options.preparedStatements === "off"
      ? pool
      : createNamedStatementPool(pool, { maxStatements: namedStatementsPerProcess, onDisabled: options.onPreparedStatementsRefused });
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: dialectPool }) }), engine: "postgres" };
}

/** Brings the schema to the latest migration. Safe to run from several replicas at once. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
