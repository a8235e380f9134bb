import { sql, type Kysely } from "kysely";
import type { Migration, MigrationProvider } from "kysely/migration";

/** Identifiers compare byte by byte in every engine and locale: "latest" is the greatest id in "C" order. */
const id = sql`text collate "C"`;

/**
 * Every primary key leads with thread_id, so a Postgres sharded by thread
 * (Citus) takes the schema unchanged.
 */
const migrations: Record<string, Migration> = {
  "0001_checkpoints": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("checkpoints")
        .addColumn("thread_id", id, (c) => c.notNull())
        .addColumn("checkpoint_ns", id, (c) => c.notNull().defaultTo(""))
        .addColumn("checkpoint_id", id, (c) => c.notNull())
        .addColumn("parent_checkpoint_id", id)
        .addColumn("checkpoint", "jsonb", (c) => c.notNull())
        .addColumn("metadata", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint("checkpoints_pkey", ["thread_id", "checkpoint_ns", "checkpoint_id"])
        .execute();
      // Listing every thread newest first, and DeleteForRuns.
      await db.schema.createIndex("checkpoints_checkpoint_id_idx").on("checkpoints").column("checkpoint_id").execute();
      await db.schema
        .createIndex("checkpoints_run_id_idx")
        .on("checkpoints")
        .expression(sql`(metadata->>'run_id')`)
        .execute();

      await db.schema
        .createTable("checkpoint_blobs")
        .addColumn("thread_id", id, (c) => c.notNull())
        .addColumn("checkpoint_ns", id, (c) => c.notNull().defaultTo(""))
        .addColumn("channel", id, (c) => c.notNull())
        .addColumn("version", id, (c) => c.notNull())
        .addColumn("type", "text")
        .addColumn("blob", "bytea")
        .addPrimaryKeyConstraint("checkpoint_blobs_pkey", ["thread_id", "checkpoint_ns", "channel", "version"])
        .execute();

      await db.schema
        .createTable("checkpoint_writes")
        .addColumn("thread_id", id, (c) => c.notNull())
        .addColumn("checkpoint_ns", id, (c) => c.notNull().defaultTo(""))
        .addColumn("checkpoint_id", id, (c) => c.notNull())
        .addColumn("task_id", id, (c) => c.notNull())
        .addColumn("idx", "integer", (c) => c.notNull())
        .addColumn("channel", id, (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("blob", "bytea", (c) => c.notNull())
        .addColumn("task_path", "text", (c) => c.notNull().defaultTo(""))
        .addPrimaryKeyConstraint("checkpoint_writes_pkey", ["thread_id", "checkpoint_ns", "checkpoint_id", "task_id", "idx"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("checkpoint_writes").execute();
      await db.schema.dropTable("checkpoint_blobs").execute();
      await db.schema.dropTable("checkpoints").execute();
    },
  },
};

/** The durable, per-thread event log behind Watch, and resumes with their claims. */
migrations["0002_thread_events"] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("thread_event_counters")
      .addColumn("thread_id", id, (c) => c.primaryKey())
      .addColumn("last_event_id", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("thread_events")
      .addColumn("thread_id", id, (c) => c.notNull())
      .addColumn("event_id", "bigint", (c) => c.notNull())
      .addColumn("checkpoint_ns", id, (c) => c.notNull().defaultTo(""))
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("body", "bytea", (c) => c.notNull())
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint("thread_events_pkey", ["thread_id", "event_id"])
      .execute();
    await db.schema
      .createTable("resumes")
      .addColumn("thread_id", id, (c) => c.notNull())
      .addColumn("resume_id", id, (c) => c.notNull())
      .addColumn("checkpoint_ns", id, (c) => c.notNull().defaultTo(""))
      .addColumn("idempotency_key", id, (c) => c.notNull().defaultTo(""))
      .addColumn("body", "bytea", (c) => c.notNull())
      .addColumn("event_id", "bigint", (c) => c.notNull())
      .addColumn("claimed_by", "text")
      .addColumn("claimed_at", "timestamptz")
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint("resumes_pkey", ["thread_id", "resume_id"])
      .execute();
    await db.schema
      .createIndex("resumes_idempotency_key_idx")
      .unique()
      .on("resumes")
      .columns(["thread_id", "idempotency_key"])
      .where(sql.ref("idempotency_key"), "<>", "")
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("resumes").execute();
    await db.schema.dropTable("thread_events").execute();
    await db.schema.dropTable("thread_event_counters").execute();
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
