import { sql, type Kysely, type Transaction } from "kysely";
import type { EffectivePolicy, RetentionDefaults, ThreadPolicy } from "../domain/retention-policy.js";
import type { NewEvent } from "../domain/thread-event.js";
import { appendEvents } from "./append-events.js";
import type { Database } from "./database-schema.js";
import { collectGarbage, deleteThreadRows } from "./maintain-threads.js";
import { policyOf } from "./thread-retention.js";

/** The events a sweep appends (encoded above storage, in mapping/). */
export interface SweepEvents {
  pruned(checkpointNs: string, beforeCheckpointId: string, count: number): NewEvent;
  deleted(): NewEvent;
}

/** A thread the pass looks at; `expired` when its TTL ran out. */
export interface SweepCandidate {
  tenant: string;
  threadId: string;
  policy: ThreadPolicy | undefined;
  expired: boolean;
}

export interface ThreadSweep {
  action: "none" | "pruned" | "deleted";
  checkpoints: number;
  /** Pending writes, channel values and value chunks that went with the checkpoints (nothing kept refers to them). */
  writes: number;
  values: number;
  chunks: number;
  /** Events and resumes deleted: the trimmed ones, or all of a deleted thread's. */
  events: number;
  resumes: number;
  /** Per namespace that lost checkpoints: the oldest one it keeps, and how many went. */
  namespaces: Array<{ checkpointNs: string; beforeCheckpointId: string; count: number }>;
}

/** Another replica took the lease over: this pass stops, and what it did so far stays (each thread is one transaction). */
export class LeaseLostError extends Error {
  constructor() {
    super("the sweeper lease was taken over by another replica");
    this.name = "LeaseLostError";
  }
}

class DryRun extends Error {
  constructor(readonly result: ThreadSweep) {
    super("dry run");
  }
}

const ms = (n: number) => sql`(${n}::double precision * interval '1 millisecond')`;
type Row = { tenant: string; thread_id: string; policy: Record<string, unknown> | null };
const candidate = (r: Row, expired: boolean): SweepCandidate => ({
  tenant: r.tenant,
  threadId: r.thread_id,
  policy: r.policy === null ? undefined : policyOf(r.policy),
  expired,
});

/**
 * The sweeper's statements (see service/sweeper.ts for the loop). One row,
 * sweeper_lease, makes one replica sweep at a time on every engine (PGlite,
 * PostgreSQL, PostgreSQL behind PgBouncer: no session state, so no direct
 * connection is needed): a pass takes it, every thread's transaction renews it
 * conditionally (`holder = me`, a fence: a replica that lost it commits
 * nothing more), and the pass gives it back. A holder that died leaves a lease
 * that expires, and the next replica to try takes over at once.
 */
export function createSweepStore(db: Kysely<Database>) {
  async function fence(trx: Transaction<Database>, holder: string, leaseMs: number, cursor: SweepCandidate | undefined) {
    const { rows } = await sql`update sweeper_lease set expires_at = now() + ${ms(leaseMs)}
      ${cursor === undefined ? sql`` : sql`, cursor_tenant = ${cursor.tenant}, cursor_thread = ${cursor.threadId}`}
      where id = 1 and holder = ${holder} returning id`.execute(trx);
    if (rows.length === 0) throw new LeaseLostError();
  }

  /** Deletes the namespace-non-latest checkpoints the rule selects; returns what went, by namespace. */
  async function trim(trx: Transaction<Database>, c: SweepCandidate, rule: ReturnType<typeof sql<boolean>>) {
    const { rows } = await sql<{ checkpoint_ns: string; checkpoint_id: string }>`
      delete from checkpoints c using (
        select checkpoint_ns, checkpoint_id, created_at,
          row_number() over (partition by checkpoint_ns order by checkpoint_id desc) as rn
        from checkpoints where tenant = ${c.tenant} and thread_id = ${c.threadId}) r
      where c.tenant = ${c.tenant} and c.thread_id = ${c.threadId}
        and c.checkpoint_ns = r.checkpoint_ns and c.checkpoint_id = r.checkpoint_id and r.rn > 1 and (${rule})
      returning c.checkpoint_ns, c.checkpoint_id`.execute(trx);
    return rows;
  }

  /** Events older than the thread's oldest kept checkpoint, and claimed resumes as old, go; the compaction point moves up. */
  async function compact(trx: Transaction<Database>, c: SweepCandidate) {
    const { rows } = await sql<{ events: string; resumes: string }>`
      with cutoff as (select min(created_at) as t from checkpoints where tenant = ${c.tenant} and thread_id = ${c.threadId}),
      gone as (delete from thread_events e using cutoff
        where e.tenant = ${c.tenant} and e.thread_id = ${c.threadId} and e.created_at < cutoff.t returning e.event_id),
      claimed as (delete from resumes r using cutoff
        where r.tenant = ${c.tenant} and r.thread_id = ${c.threadId} and r.claimed_by is not null and r.created_at < cutoff.t
        returning r.resume_id),
      moved as (update thread_event_counters set compacted_through = greatest(compacted_through, (select max(event_id) from gone))
        where tenant = ${c.tenant} and thread_id = ${c.threadId} and exists (select 1 from gone) returning 1)
      select (select count(*) from gone) as events, (select count(*) from claimed) as resumes, (select count(*) from moved) as moved`.execute(
      trx,
    );
    return { events: Number(rows[0]!.events), resumes: Number(rows[0]!.resumes) };
  }

  async function sweepIn(
    trx: Transaction<Database>,
    c: SweepCandidate,
    policy: EffectivePolicy,
    events: SweepEvents,
  ): Promise<ThreadSweep> {
    const none: ThreadSweep = { action: "none", checkpoints: 0, writes: 0, values: 0, chunks: 0, events: 0, resumes: 0, namespaces: [] };
    if (policy.pinned) return none;
    let reduce = false;
    if (c.expired) {
      // Locks the thread's counter row: a write racing this one waits for the commit (a moment), and one
      // that committed first moved touched_at, so the thread is no longer expired and stays.
      const { rows } = await sql<{ expired: boolean }>`select touched_at < now() - ${ms(policy.ttlMs)} as expired
        from thread_event_counters where tenant = ${c.tenant} and thread_id = ${c.threadId} and touched_at is not null for update`.execute(
        trx,
      );
      if (rows[0]?.expired === true) {
        if (policy.ttlStrategy === "delete") {
          const rows = await deleteThreadRows(trx, c.tenant, [c.threadId], [events.deleted()]);
          return { ...none, ...rows, action: "deleted" };
        }
        reduce = true;
      }
    }
    const rules = [
      ...(reduce ? [sql<boolean>`true`] : []),
      ...(policy.maxVersions > 0 ? [sql<boolean>`r.rn > ${policy.maxVersions}`] : []),
      ...(policy.maxAgeMs > 0 ? [sql<boolean>`r.created_at < now() - ${ms(policy.maxAgeMs)}`] : []),
    ];
    if (rules.length === 0) return none;
    const deleted = await trim(trx, c, sql.join(rules, sql` or `) as ReturnType<typeof sql<boolean>>);
    if (reduce) {
      // Expired into its latest checkpoints: not expired again until the next write (or read, with refresh-on-read).
      await sql`update thread_event_counters set touched_at = null where tenant = ${c.tenant} and thread_id = ${c.threadId}`.execute(trx);
    }
    const garbage = deleted.length > 0 ? await collectGarbage(trx, c.tenant, [c.threadId]) : { writes: 0, values: 0, chunks: 0 };
    const compacted = await compact(trx, c);
    const counts = new Map<string, number>();
    for (const r of deleted) counts.set(r.checkpoint_ns, (counts.get(r.checkpoint_ns) ?? 0) + 1);
    const namespaces: ThreadSweep["namespaces"] = [];
    if (counts.size > 0) {
      const kept = await trx
        .selectFrom("checkpoints")
        .select(["checkpoint_ns", (eb) => eb.fn.min("checkpoint_id").as("oldest")])
        .where("tenant", "=", c.tenant)
        .where("thread_id", "=", c.threadId)
        .where("checkpoint_ns", "in", [...counts.keys()])
        .groupBy("checkpoint_ns")
        .execute();
      for (const k of kept)
        namespaces.push({ checkpointNs: k.checkpoint_ns, beforeCheckpointId: String(k.oldest), count: counts.get(k.checkpoint_ns)! });
      namespaces.sort((a, b) => (a.checkpointNs < b.checkpointNs ? -1 : 1));
      const news = namespaces.map((n) => events.pruned(n.checkpointNs, n.beforeCheckpointId, n.count));
      await appendEvents(trx, c.tenant, c.threadId, news, { touch: false });
    }
    const changed = deleted.length > 0 || compacted.events > 0 || compacted.resumes > 0;
    return { action: changed ? "pruned" : "none", checkpoints: deleted.length, ...garbage, ...compacted, namespaces };
  }

  return {
    /**
     * Takes the lease for a pass: when nobody holds it and no pass ended within
     * `gapMs` (one pass an interval across replicas), or its holder stopped
     * renewing it (died mid-pass: taken over at once). `gapMs` 0: any free lease.
     */
    async acquire(holder: string, leaseMs: number, gapMs: number): Promise<boolean> {
      const { rows } = await sql`update sweeper_lease set holder = ${holder}, expires_at = now() + ${ms(leaseMs)}
        where id = 1 and (holder = ${holder}
          or (holder is not null and expires_at < now())
          or (holder is null and (last_pass_at is null or last_pass_at <= now() - ${ms(gapMs)})))
        returning id`.execute(db);
      return rows.length > 0;
    },

    /** Ends a pass; with `wrapped`, the next pass walks from the first thread again. */
    async release(holder: string, wrapped: boolean): Promise<void> {
      await sql`update sweeper_lease set holder = null, expires_at = null, last_pass_at = now()
        ${wrapped ? sql`, cursor_tenant = null, cursor_thread = null` : sql``}
        where id = 1 and holder = ${holder}`.execute(db);
    },

    /** Threads whose TTL ran out (the longest idle first), at most `limit`. */
    async expired(defaults: RetentionDefaults, limit: number): Promise<SweepCandidate[]> {
      const byDefault =
        defaults.ttlMs > 0
          ? sql`select c.tenant, c.thread_id, c.touched_at, to_jsonb(r) as policy from thread_event_counters c
              left join thread_retention r on r.tenant = c.tenant and r.thread_id = c.thread_id
              where c.touched_at < now() - ${ms(defaults.ttlMs)} and (r.thread_id is null or (not r.pinned and r.ttl_ms is null))
              union all `
          : sql``;
      const { rows } = await sql<Row>`select tenant, thread_id, policy from (${byDefault}
        select c.tenant, c.thread_id, c.touched_at, to_jsonb(r) as policy from thread_retention r
        join thread_event_counters c on c.tenant = r.tenant and c.thread_id = r.thread_id
        where not r.pinned and r.ttl_ms > 0 and c.touched_at < now() - r.ttl_ms * interval '1 millisecond') as u
        order by touched_at limit ${limit}`.execute(db);
      return rows.map((r) => candidate(r, true));
    },

    /**
     * The next `limit` threads after the pass cursor that a policy may trim
     * (every live thread when the defaults trim; else those with a policy that
     * does); `wrapped` when the walk reached the last one.
     */
    async walk(defaults: RetentionDefaults, limit: number): Promise<{ candidates: SweepCandidate[]; wrapped: boolean }> {
      const lease = await db.selectFrom("sweeper_lease").select(["cursor_tenant", "cursor_thread"]).where("id", "=", 1).executeTakeFirst();
      const after =
        lease?.cursor_tenant == null || lease.cursor_thread == null
          ? sql`true`
          : sql`(c.tenant, c.thread_id) > (${lease.cursor_tenant}, ${lease.cursor_thread})`;
      const { rows } =
        defaults.maxVersions > 0 || defaults.maxAgeMs > 0
          ? await sql<Row>`select c.tenant, c.thread_id, to_jsonb(r) as policy from thread_event_counters c
              left join thread_retention r on r.tenant = c.tenant and r.thread_id = c.thread_id
              where c.created_at is not null and ${after} order by c.tenant, c.thread_id limit ${limit}`.execute(db)
          : await sql<Row>`select c.tenant, c.thread_id, to_jsonb(r) as policy from thread_retention r
              join thread_event_counters c on c.tenant = r.tenant and c.thread_id = r.thread_id
              where not r.pinned and (r.max_versions > 0 or r.max_age_ms > 0) and c.created_at is not null and ${after}
              order by c.tenant, c.thread_id limit ${limit}`.execute(db);
      return { candidates: rows.map((r) => candidate(r, false)), wrapped: rows.length < limit };
    },

    /**
     * Applies the policy to one thread in one short transaction, fenced by the
     * lease. `advance` moves the pass cursor to it (walked threads). A dry run
     * does it all and rolls back: the counts are what a pass would delete.
     */
    async sweepThread(
      holder: string,
      leaseMs: number,
      c: SweepCandidate,
      policy: EffectivePolicy,
      events: SweepEvents,
      options: { advance: boolean; dryRun: boolean },
    ): Promise<ThreadSweep> {
      try {
        return await db.transaction().execute(async (trx) => {
          await fence(trx, holder, leaseMs, options.advance ? c : undefined);
          const result = await sweepIn(trx, c, policy, events);
          if (options.dryRun) throw new DryRun(result);
          return result;
        });
      } catch (error) {
        if (error instanceof DryRun) return error.result;
        throw error;
      }
    },
  };
}

export type SweepStore = ReturnType<typeof createSweepStore>;
