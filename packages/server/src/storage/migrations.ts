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
 * Retention (issue 17). The event counter row every write already upserts also
 * carries the thread's clock: created_at (first write since the thread was
 * created or deleted), last_write_at, touched_at (what the TTL counts from: the
 * last write, or read with --thread-ttl-refresh-on-read) and compacted_through
 * (the highest event id the sweeper trimmed from the log). thread_retention holds
 * the per-thread policies (SetRetention); sweeper_lease the one row that lets one
 * replica sweep at a time, and where its last pass stopped.
 */
migrations["0005_retention"] = {
  async up(db: Kysely<unknown>) {
    await sql`alter table thread_event_counters
      add column created_at timestamptz,
      add column last_write_at timestamptz,
      add column touched_at timestamptz,
      add column compacted_through bigint not null default 0`.execute(db);
    // Threads written before 0005: their clock starts from their checkpoints.
    await sql`insert into thread_event_counters (tenant, thread_id, last_event_id, created_at, last_write_at, touched_at)
      select tenant, thread_id, 0, min(created_at), max(created_at), max(created_at) from checkpoints group by tenant, thread_id
      on conflict (tenant, thread_id) do update set created_at = excluded.created_at,
        last_write_at = excluded.last_write_at, touched_at = excluded.touched_at`.execute(db);
    await db.schema.createIndex("thread_event_counters_touched_at_idx").on("thread_event_counters").column("touched_at").execute();
    await db.schema
      .createTable("thread_retention")
      .addColumn("tenant", id, (c) => c.notNull())
      .addColumn("thread_id", id, (c) => c.notNull())
      .addColumn("max_versions", "integer")
      .addColumn("max_age_ms", "bigint")
      .addColumn("ttl_ms", "bigint")
      .addColumn("ttl_strategy", "text")
      .addColumn("pinned", "boolean", (c) => c.notNull().defaultTo(false))
      .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint("thread_retention_pkey", ["tenant", "thread_id"])
      .execute();
    await db.schema
      .createTable("sweeper_lease")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("holder", "text")
      .addColumn("expires_at", "timestamptz")
      .addColumn("last_pass_at", "timestamptz")
      .addColumn("cursor_tenant", id)
      .addColumn("cursor_thread", id)
      .execute();
    await sql`insert into sweeper_lease (id) values (1) on conflict do nothing`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("sweeper_lease").execute();
    await db.schema.dropTable("thread_retention").execute();
    await db.schema.dropIndex("thread_event_counters_touched_at_idx").execute();
    await sql`alter table thread_event_counters drop column created_at, drop column last_write_at,
      drop column touched_at, drop column compacted_through`.execute(db);
  },
};

/**
 * Thread leases (issue 22): one row per thread that ever had a lease, kept after the lease ends
 * so that its fencing token only grows. `checkpointd_fence` is the check a write to a thread
 * that ever had a lease runs in its own statement or transaction (append-events.ts; the
 * thread's counter row says whether it did: `leased`). The write holds the thread's counter row
 * lock from before the check until its commit, and every change of hands (acquire, release,
 * expiry) takes that lock first, so a lease cannot change hands between the check and the
 * write's commit (no lock on the lease row is needed; a renewal only moves the expiry). It raises SQLSTATE CK001
 * (FAILED_PRECONDITION to the client) with a message naming the holder and expiry. Its queries
 * take a fresh snapshot (plpgsql, READ COMMITTED): a lease committed while the write's statement
 * waited on the thread's event counter is seen. No session state: PgBouncer's transaction mode
 * is fine.
 */
migrations["0006_leases"] = {
  async up(db: Kysely<unknown>) {
    // Set (for good) on a thread's counter row by its first lease: a write reads it from the row
    // it locks, so one on a thread that never had a lease skips the check (see append-events.ts).
    await sql`alter table thread_event_counters add column leased boolean not null default false`.execute(db);
    await db.schema
      .createTable("thread_leases")
      .addColumn("tenant", id, (c) => c.notNull())
      .addColumn("thread_id", id, (c) => c.notNull())
      .addColumn("lease_id", "text", (c) => c.notNull())
      .addColumn("holder", "text", (c) => c.notNull())
      .addColumn("fencing_token", "bigint", (c) => c.notNull())
      .addColumn("ttl_ms", "bigint", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("expires_at", "timestamptz", (c) => c.notNull())
      .addColumn("acquired_at", "timestamptz", (c) => c.notNull())
      .addPrimaryKeyConstraint("thread_leases_pkey", ["tenant", "thread_id"])
      .execute();
    await sql`
      create function checkpointd_fence(p_tenant text, p_thread_id text, p_token bigint) returns boolean
      language plpgsql volatile strict as $fence$
      declare
        l record;
        live boolean;
        until text;
      begin
        select fencing_token, holder, state, expires_at into l
          from thread_leases where tenant = p_tenant and thread_id = p_thread_id;
        if not found then
          if p_token = 0 then return true; end if;
          raise exception using errcode = 'CK001',
            message = format('fencing token %s is not this thread''s: the thread has no lease', p_token);
        end if;
        live := l.state = 'held' and l.expires_at > clock_timestamp();
        until := to_char(l.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
        if p_token = 0 then
          if not live then return true; end if;
          raise exception using errcode = 'CK001',
            message = format('thread is leased by %s until %s: send its fencing token', l.holder, until);
        end if;
        if p_token = l.fencing_token and live then return true; end if;
        if live then
          raise exception using errcode = 'CK001',
            message = format('fencing token %s is stale: the thread is leased by %s (token %s) until %s', p_token, l.holder, l.fencing_token, until);
        end if;
        if p_token = l.fencing_token then
          raise exception using errcode = 'CK001',
            message = format('fencing token %s belongs to a lease of %s that has ended (%s at %s): acquire the lease again', p_token, l.holder, l.state, until);
        end if;
        raise exception using errcode = 'CK001',
          message = format('fencing token %s is stale: the thread''s latest is %s (lease of %s, %s)', p_token, l.fencing_token, l.holder, l.state);
      end
      $fence$`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`drop function checkpointd_fence(text, text, bigint)`.execute(db);
    await db.schema.dropTable("thread_leases").execute();
    await sql`alter table thread_event_counters drop column leased`.execute(db);
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

/**
 * Content-defined chunks of large values (value-chunker.ts): each chunk once
 * per (tenant, thread) under its hash; a chunked blob or write keeps `chunks`
 * (its chunks' hashes end to end) and no `blob`. Rows written before stay
 * inline and readable: the table is mixed, and nothing is rewritten.
 */
migrations["0007_value_chunks"] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("value_chunks")
      .addColumn("tenant", id, (c) => c.notNull())
      .addColumn("thread_id", id, (c) => c.notNull())
      .addColumn("hash", "bytea", (c) => c.notNull())
      .addColumn("data", "bytea", (c) => c.notNull())
      // The chunk's length before any compression: a value's length is the sum over its list.
      .addColumn("size", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("value_chunks_pkey", ["tenant", "thread_id", "hash"])
      .execute();
    await sql`alter table checkpoint_blobs add column chunks bytea`.execute(db);
    await sql`alter table checkpoint_writes add column chunks bytea`.execute(db);
    await sql`alter table checkpoint_writes alter column blob drop not null`.execute(db);
    // A chunked value's stored chunks, in order, each after its length (4 bytes big-endian): see
    // assemble-value.ts. A function, so that the statement calling it is planned as cheap: inlined, the
    // per-chunk lookups' estimates (1,000 rows for any generate_series) made PostgreSQL JIT-compile
    // every read (seconds); PL/pgSQL keeps the plan for the session. `|| ''` detoasts a long
    // (TOASTed) list once instead of once per substring; the lateral `limit 1` keeps each lookup a
    // primary-key probe, where a hash join would read every chunk of the thread.
    await sql`create function checkpointd_chunk_frames(p_tenant text, p_thread_id text, p_chunks bytea) returns bytea
      language plpgsql stable strict parallel safe as $$
      declare
        list bytea := p_chunks || ''::bytea;
      begin
        return (
          select string_agg(int4send(length(c.data)) || c.data, ''::bytea order by k.i)
          from generate_series(0, length(list) / 16 - 1) as k(i)
          cross join lateral (
            select ch.data from value_chunks ch
            where ch.tenant = (p_tenant collate "C") and ch.thread_id = (p_thread_id collate "C")
              and ch.hash = substring(list from k.i * 16 + 1 for 16)
            limit 1
          ) as c);
      end
      $$`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    // Chunks stored raw (codec byte 0) are put back together in SQL; compressed ones only the server can read.
    const { rows } = await sql`select 1 from value_chunks where get_byte(data, 0) <> 0 limit 1`.execute(db);
    if (rows.length > 0) throw new Error("cannot undo 0007_value_chunks: some chunks are compressed (--storage-compression)");
    for (const table of ["checkpoint_blobs", "checkpoint_writes"]) {
      await sql`update ${sql.table(table)} t set blob = (
        select coalesce(string_agg(substring(ch.data from 2), ''::bytea order by k.i), ''::bytea)
        from generate_series(0, length(t.chunks) / 16 - 1) as k(i)
        join value_chunks ch on ch.tenant = t.tenant and ch.thread_id = t.thread_id and ch.hash = substring(t.chunks from k.i * 16 + 1 for 16)
      ), chunks = null where t.chunks is not null`.execute(db);
    }
    await sql`drop function checkpointd_chunk_frames(text, text, bytea)`.execute(db);
    await sql`alter table checkpoint_writes alter column blob set not null`.execute(db);
    await sql`alter table checkpoint_writes drop column chunks`.execute(db);
    await sql`alter table checkpoint_blobs drop column chunks`.execute(db);
    await db.schema.dropTable("value_chunks").execute();
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
