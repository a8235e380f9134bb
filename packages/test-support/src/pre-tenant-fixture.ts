import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Kysely } from "kysely";

/** A column value as the fixture stores it: bytes and timestamps are tagged. */
type FixtureValue = string | number | boolean | null | { $bytes: string } | { $date: string } | Record<string, unknown>;
type FixtureRow = Record<string, FixtureValue>;

export interface PreTenantFixture {
  recordedBy: string;
  /** Every row of every table, in key order, as the release before migration 0003 wrote them. */
  tables: Record<string, FixtureRow[]>;
  /**
   * What that release answered, each tuple as base64 of its CheckpointTuple bytes:
   * `list:<thread>` (List of the thread; `list:` without thread_id) and `latest:<thread>:<ns>` (GetTuple, null: none).
   */
  reads: Record<string, string[] | string | null>;
}

/**
 * A database as checkpointd wrote it before tenants (migration 0002): threads
 * with namespaces, pending writes (special channels too), resumes (one
 * claimed), a copied, a pruned and a deleted thread, and their event logs.
 * Recorded once, over the wire, by that release (fixtures/pre-tenant-0002.json).
 */
export function preTenantFixture(): PreTenantFixture {
  const path = fileURLToPath(new URL("../fixtures/pre-tenant-0002.json", import.meta.url));
  return JSON.parse(readFileSync(path, "utf8")) as PreTenantFixture;
}

/** A fixture value as a column value to insert: bytes as Uint8Array, timestamps as Date, JSON as its text. */
export function columnValue(value: FixtureValue): unknown {
  if (value !== null && typeof value === "object") {
    if ("$bytes" in value && typeof value.$bytes === "string") return new Uint8Array(Buffer.from(value.$bytes, "base64"));
    if ("$date" in value && typeof value.$date === "string") return new Date(value.$date);
    return JSON.stringify(value);
  }
  return value;
}

/** Writes the fixture's rows into a database migrated to 0002 (and no further). */
export async function loadPreTenantFixture(db: Kysely<unknown>, fixture: PreTenantFixture): Promise<void> {
  for (const [table, rows] of Object.entries(fixture.tables)) {
    if (rows.length === 0) continue;
    const values = rows.map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [column, columnValue(value)])));
    await (db as Kysely<Record<string, Record<string, unknown>>>).insertInto(table).values(values).execute();
  }
}
