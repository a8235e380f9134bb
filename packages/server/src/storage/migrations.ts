import { sql, type Kysely } from "kysely";
import type { Migration, MigrationProvider } from "kysely/migration";
import { checkpointTimeOf } from "../domain/checkpoint-time.js";

/** Identifiers compare byte by byte in every engine and locale: "latest" is the greatest id in "C" order. */
const id = sql`text collate "C"`;

/**
 * Every primary key leads with (tenant, thread_id) (0003; thread_id alone
 * before), so a Postgres sharded by tenant and thread (Citus) takes the schema
 * unchanged.
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

/**
 * Every thread belongs to one tenant: a `tenant` column leads every key of
 * every thread-keyed table, so the same thread id under two tenants is two
 * threads. Existing rows belong to the default tenant ("default", see
 * domain/call-identity.ts). The column's default serves only this backfill and
 * is dropped afterwards: a statement that forgets the tenant fails instead of
 * writing to the default one.
 */
const tenantKeys: ReadonlyArray<{ table: string; primaryKey: readonly string[] }> = [
  { table: "checkpoints", primaryKey: ["thread_id", "checkpoint_ns", "checkpoint_id"] },
  { table: "checkpoint_blobs", primaryKey: ["thread_id", "checkpoint_ns", "channel", "version"] },
  { table: "checkpoint_writes", primaryKey: ["thread_id", "checkpoint_ns", "checkpoint_id", "task_id", "idx"] },
  { table: "thread_event_counters", primaryKey: ["thread_id"] },
  { table: "thread_events", primaryKey: ["thread_id", "event_id"] },
  { table: "resumes", primaryKey: ["thread_id", "resume_id"] },
];

migrations["0003_tenants"] = {
  async up(db: Kysely<unknown>) {
    for (const { table, primaryKey } of tenantKeys) {
      const name = sql.table(table);
      const pkey = sql.id(`${table}_pkey`);
      const columns = sql.join(["tenant", ...primaryKey].map((c) => sql.id(c)));
      // Adding a column with a constant default rewrites no row (PostgreSQL 11+, PGlite).
      await sql`alter table ${name} add column tenant text collate "C" not null default 'default'`.execute(db);
      await sql`alter table ${name} alter column tenant drop default`.execute(db);
      await sql`alter table ${name} drop constraint ${pkey}`.execute(db);
      await sql`alter table ${name} add constraint ${pkey} primary key (${columns})`.execute(db);
    }
    await db.schema.dropIndex("checkpoints_checkpoint_id_idx").execute();
    await db.schema.createIndex("checkpoints_checkpoint_id_idx").on("checkpoints").columns(["tenant", "checkpoint_id"]).execute();
    await db.schema.dropIndex("checkpoints_run_id_idx").execute();
    await db.schema
      .createIndex("checkpoints_run_id_idx")
      .on("checkpoints")
      .expression(sql`tenant, (metadata->>'run_id')`)
      .execute();
    await db.schema.dropIndex("resumes_idempotency_key_idx").execute();
    await db.schema
      .createIndex("resumes_idempotency_key_idx")
      .unique()
      .on("resumes")
      .columns(["tenant", "thread_id", "idempotency_key"])
      .where(sql.ref("idempotency_key"), "<>", "")
      .execute();
  },
  async down(db: Kysely<unknown>) {
    // Without the column, two tenants' threads of one id would merge: only a single-tenant database goes down.
    for (const { table } of tenantKeys) {
      const { rows } = await sql`select 1 from ${sql.table(table)} where tenant <> 'default' limit 1`.execute(db);
      if (rows.length > 0) throw new Error(`cannot undo 0003_tenants: ${table} holds threads of tenants other than "default"`);
    }
    await db.schema.dropIndex("resumes_idempotency_key_idx").execute();
    await db.schema.dropIndex("checkpoints_run_id_idx").execute();
    await db.schema.dropIndex("checkpoints_checkpoint_id_idx").execute();
    for (const { table, primaryKey } of tenantKeys) {
      const pkey = sql.id(`${table}_pkey`);
      await sql`alter table ${sql.table(table)} drop constraint ${pkey}`.execute(db);
      await sql`alter table ${sql.table(table)} drop column tenant`.execute(db);
      await sql`alter table ${sql.table(table)} add constraint ${pkey} primary key (${sql.join(primaryKey.map((c) => sql.id(c)))})`.execute(
        db,
      );
    }
    await db.schema.createIndex("checkpoints_checkpoint_id_idx").on("checkpoints").column("checkpoint_id").execute();
    await db.schema
      .createIndex("checkpoints_run_id_idx")
      .on("checkpoints")
      .expression(sql`(metadata->>'run_id')`)
      .execute();
    await db.schema
      .createIndex("resumes_idempotency_key_idx")
      .unique()
      .on("resumes")
      .columns(["thread_id", "idempotency_key"])
      .where(sql.ref("idempotency_key"), "<>", "")
      .execute();
  },
};

/** The cache fence (cache/cache-fence.ts): one row whose epoch a replica bumps when it could not invalidate Redis. */
migrations["0004_cache_fence"] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("cache_fence")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("epoch", "bigint", (c) => c.notNull())
      .execute();
    await sql`insert into cache_fence (id, epoch) values (1, 0) on conflict do nothing`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("cache_fence").execute();
  },
};

/**
 * Point-in-time reads (GetTuple.as_of, List's after_ts/before_ts): each checkpoint's `ts` as a
 * timestamptz (null when it is not an ISO 8601 time with an offset, see domain/checkpoint-time.ts),
 * written by Put and filled here for the rows there are, and the index that finds "the latest at or
 * before T" of a namespace with one backward index step. The tenant leads the key, as everywhere.
 */
migrations["0008_checkpoint_ts"] = {
  async up(db: Kysely<unknown>) {
    await sql`alter table checkpoints add column ts timestamptz`.execute(db);
    // The stored text is parsed in JS, as Put does, so old and new rows agree; keyset pages of 1000.
    let after: [string, string, string, string] = ["", "", "", ""];
    for (;;) {
      const { rows } = await sql<{ tenant: string; thread_id: string; checkpoint_ns: string; checkpoint_id: string; ts: string | null }>`
        select tenant, thread_id, checkpoint_ns, checkpoint_id, checkpoint->>'ts' as ts from checkpoints
        where (tenant, thread_id, checkpoint_ns, checkpoint_id) > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]})
        order by tenant, thread_id, checkpoint_ns, checkpoint_id limit 1000`.execute(db);
      const last = rows.at(-1);
      if (last === undefined) break;
      const parsed = rows
        .map((r) => ({ ...r, time: r.ts === null ? undefined : checkpointTimeOf(r.ts) }))
        .filter((r) => r.time !== undefined);
      if (parsed.length > 0) {
        const column = (f: (r: (typeof parsed)[number]) => string) => parsed.map(f);
        await sql`
          update checkpoints c set ts = k.ts::timestamptz
          from unnest(${column((r) => r.tenant)}::text[], ${column((r) => r.thread_id)}::text[], ${column((r) => r.checkpoint_ns)}::text[],
            ${column((r) => r.checkpoint_id)}::text[], ${column((r) => r.time!)}::text[]) as k(tenant, thread_id, checkpoint_ns, checkpoint_id, ts)
          where c.tenant = k.tenant collate "C" and c.thread_id = k.thread_id collate "C"
            and c.checkpoint_ns = k.checkpoint_ns collate "C" and c.checkpoint_id = k.checkpoint_id collate "C"`.execute(db);
      }
      after = [last.tenant, last.thread_id, last.checkpoint_ns, last.checkpoint_id];
    }
    await db.schema
      .createIndex("checkpoints_ts_idx")
      .on("checkpoints")
      .columns(["tenant", "thread_id", "checkpoint_ns", "ts", "checkpoint_id"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("checkpoints_ts_idx").execute();
    await sql`alter table checkpoints drop column ts`.execute(db);
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
