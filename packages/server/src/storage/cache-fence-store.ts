import { sql, type Kysely } from "kysely";
import type { Database } from "./database-schema.js";

/** The shared epoch of the cache fence, kept in the database every replica writes to. */
export interface CacheFenceStore {
  read(): Promise<string>;
  /** Moves the epoch on (one short statement) and returns the new one. */
  bump(): Promise<string>;
}

export function createCacheFenceStore(db: Kysely<Database>): CacheFenceStore {
  return {
    async read() {
      const row = await db.selectFrom("cache_fence").select("epoch").where("id", "=", 1).executeTakeFirstOrThrow();
      return String(row.epoch);
    },
    async bump() {
      const row = await db
        .updateTable("cache_fence")
        .set({ epoch: sql`epoch + 1` })
        .where("id", "=", 1)
        .returning("epoch")
        .executeTakeFirstOrThrow();
      return String(row.epoch);
    },
  };
}
