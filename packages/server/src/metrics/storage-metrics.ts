import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** What the pool gauges read: node-postgres's pg.Pool has these counts. */
export interface PoolCounts {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

export type StatementKind = "select" | "insert" | "update" | "delete" | "with" | "other";

export interface StorageMetrics {
  /** Seconds one SQL statement took, by its first keyword. */
  statement(kind: StatementKind): Histogram.Internal<string>;
  /** Puts written by one group-commit statement (1: alone). */
  groupSize: Histogram;
  /** Tries run again after a deadlock or serialization failure. */
  conflictRetries: Counter;
  /** The pool the gauges read, once it exists. */
  observePool(pool: PoolCounts): void;
  /** Where checkpointd_storage_bytes reads each stored table's size, at each scrape. */
  observeTableSizes(read: () => Promise<Record<string, number>>): void;
}

const statementKinds: readonly StatementKind[] = ["select", "insert", "update", "delete", "with", "other"];

/** The kind of a SQL statement by its first keyword, without allocating. */
export function statementKindOf(sql: string): StatementKind {
  let i = 0;
  while (i < sql.length && (sql.charCodeAt(i) <= 32 || sql[i] === "(")) i++;
  const head = sql.slice(i, i + 6).toLowerCase();
  for (const kind of statementKinds) if (kind !== "other" && head.startsWith(kind)) return kind;
  return "other";
}

export function createStorageMetrics(registry: Registry): StorageMetrics {
  const statementSeconds = new Histogram({
    name: "checkpointd_db_statement_seconds",
    help: "Duration of SQL statements, by statement kind (first keyword).",
    labelNames: ["kind"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const byKind = new Map(statementKinds.map((kind) => [kind, statementSeconds.labels(kind)]));
  const groupSize = new Histogram({
    name: "checkpointd_db_put_group_size",
    help: "Puts committed by one group-commit statement (1: a put written alone).",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });
  const conflictRetries = new Counter({
    name: "checkpointd_db_conflict_retries_total",
    help: "Storage calls run again after PostgreSQL aborted them for a deadlock or serialization failure.",
    registers: [registry],
  });
  let pool: PoolCounts | undefined;
  const poolGauge = (name: string, help: string, read: (p: PoolCounts) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pool === undefined ? 0 : read(pool));
      },
    });
  poolGauge("checkpointd_db_pool_connections", "PostgreSQL connections the pool holds (in use and idle).", (p) => p.totalCount);
  poolGauge("checkpointd_db_pool_idle", "PostgreSQL connections of the pool that are idle.", (p) => p.idleCount);
  poolGauge(
    "checkpointd_db_pool_waiting",
    "Queries waiting for a pooled connection (the pool is exhausted while above 0).",
    (p) => p.waitingCount,
  );
  let readSizes: (() => Promise<Record<string, number>>) | undefined;
  new Gauge({
    name: "checkpointd_storage_bytes",
    help: "Bytes a stored table takes with its indexes and TOAST (pg_total_relation_size), every tenant's rows; value_chunks: the chunk store.",
    labelNames: ["table"],
    registers: [registry],
    async collect() {
      if (readSizes === undefined) return;
      // A failed read keeps the last values: a scrape must not fail because the database is slow.
      const sizes = await readSizes().catch(() => undefined);
      for (const [table, bytes] of Object.entries(sizes ?? {})) this.set({ table }, bytes);
    },
  });
  return {
    statement: (kind) => byKind.get(kind)!,
    groupSize,
    conflictRetries,
    observePool(p) {
      pool = p;
    },
    observeTableSizes(read) {
      readSizes = read;
    },
  };
}
