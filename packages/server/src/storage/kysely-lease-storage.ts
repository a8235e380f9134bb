import { sql, type Kysely, type Transaction } from "kysely";
import type { Lease } from "../domain/lease.js";
import { appendEvents } from "./append-events.js";
import type { Database } from "./database-schema.js";
import type { LeaseStorage } from "./lease-storage.js";

interface LeaseRow {
  thread_id: string;
  lease_id: string;
  holder: string;
  fencing_token: string | number | bigint;
  ttl_ms: string | number | bigint;
  state: string;
  expires_at: Date | string;
  remaining_ms: number | string;
}

type Db = Kysely<Database> | Transaction<Database>;

const leaseColumns = sql`thread_id, lease_id, holder, fencing_token, ttl_ms, state, expires_at,
  greatest(0, extract(epoch from (expires_at - clock_timestamp())) * 1000)::float8 as remaining_ms`;

const toLease = (r: LeaseRow): Lease => ({
  threadId: r.thread_id,
  leaseId: r.lease_id,
  holder: r.holder,
  fencingToken: BigInt(r.fencing_token),
  expiresAt: new Date(r.expires_at),
  state: r.state === "held" || r.state === "released" ? r.state : "expired",
  remainingMs: Number(r.remaining_ms),
  ttlMs: Number(r.ttl_ms),
});

/**
 * Locks the thread's event counter row (creating it at 0 if need be) and marks the thread as
 * leased (writes to it run the fencing check from now on), as a fenced write's
 * statement does before its check: a lease change and a write on one thread then queue in one
 * order, and a write waiting behind a new lease sees it (migration 0006).
 */
async function lockThread(trx: Db, tenant: string, threadId: string): Promise<bigint> {
  const { rows } = await sql<{ last_event_id: string | number | bigint }>`insert into thread_event_counters
      (tenant, thread_id, last_event_id, leased) values (${tenant}, ${threadId}, 0, true)
    on conflict (tenant, thread_id) do update set last_event_id = thread_event_counters.last_event_id, leased = true
    returning last_event_id`.execute(trx);
  return BigInt(rows[0]!.last_event_id);
}

async function selectLease(db: Db, tenant: string, threadId: string, lock: boolean): Promise<Lease | undefined> {
  const { rows } = await sql<LeaseRow>`select ${leaseColumns} from thread_leases
    where tenant = ${tenant} and thread_id = ${threadId} ${lock ? sql`for update` : sql``}`.execute(db);
  return rows[0] === undefined ? undefined : toLease(rows[0]);
}

/** One tenant's leases on Kysely (PostgreSQL, PGlite; no session state, so PgBouncer's transaction mode too). */
export function createKyselyLeaseStorage(db: Kysely<Database>, tenant: string): LeaseStorage {
  return {
    acquireLease(input) {
      return db.transaction().execute(async (trx) => {
        const lastEventId = await lockThread(trx, tenant, input.threadId);
        const current = await selectLease(trx, tenant, input.threadId, true);
        if (current !== undefined && current.state === "held" && current.remainingMs > 0) return { acquired: false, current, lastEventId };
        const events = current?.state === "held" ? [input.expiredEvent({ ...current, state: "expired" })] : [];
        const token = (current?.fencingToken ?? 0n) + 1n;
        const { rows } = await sql<LeaseRow>`insert into thread_leases
            (tenant, thread_id, lease_id, holder, fencing_token, ttl_ms, state, expires_at, acquired_at)
          values (${tenant}, ${input.threadId}, ${input.leaseId}, ${input.holder}, ${String(token)}, ${input.ttlMs}, 'held',
            clock_timestamp() + ${input.ttlMs} * interval '1 millisecond', clock_timestamp())
          on conflict (tenant, thread_id) do update set lease_id = excluded.lease_id, holder = excluded.holder,
            fencing_token = excluded.fencing_token, ttl_ms = excluded.ttl_ms, state = 'held',
            expires_at = excluded.expires_at, acquired_at = excluded.acquired_at
          returning ${leaseColumns}`.execute(trx);
        const lease = toLease(rows[0]!);
        await appendEvents(trx, tenant, input.threadId, [...events, input.acquiredEvent(lease)], { touch: false });
        return { acquired: true, lease };
      });
    },

    async renewLease(threadId, leaseId, ttlMs) {
      // No event, so no counter lock: the update alone waits for fenced writes holding the row.
      const { rows } = await sql<LeaseRow>`update thread_leases
        set expires_at = clock_timestamp() + coalesce(${ttlMs ?? null}::bigint, ttl_ms) * interval '1 millisecond'
        where tenant = ${tenant} and thread_id = ${threadId} and lease_id = ${leaseId}
          and state = 'held' and expires_at > clock_timestamp()
        returning ${leaseColumns}`.execute(db);
      if (rows[0] !== undefined) return { renewed: true, lease: toLease(rows[0]) };
      return { renewed: false, current: await selectLease(db, tenant, threadId, false) };
    },

    releaseLease(threadId, leaseId, releasedEvent) {
      return db.transaction().execute(async (trx) => {
        await lockThread(trx, tenant, threadId);
        const { rows } = await sql<LeaseRow>`update thread_leases set state = 'released'
          where tenant = ${tenant} and thread_id = ${threadId} and lease_id = ${leaseId}
            and state = 'held' and expires_at > clock_timestamp()
          returning ${leaseColumns}`.execute(trx);
        if (rows[0] === undefined) return false;
        await appendEvents(trx, tenant, threadId, [releasedEvent(toLease(rows[0]))], { touch: false });
        return true;
      });
    },

    expireLease(threadId, leaseId, expiredEvent) {
      return db.transaction().execute(async (trx) => {
        await lockThread(trx, tenant, threadId);
        const { rows } = await sql<LeaseRow>`update thread_leases set state = 'expired'
          where tenant = ${tenant} and thread_id = ${threadId} and lease_id = ${leaseId}
            and state = 'held' and expires_at <= clock_timestamp()
          returning ${leaseColumns}`.execute(trx);
        if (rows[0] === undefined) return false;
        await appendEvents(trx, tenant, threadId, [expiredEvent(toLease(rows[0]))], { touch: false });
        return true;
      });
    },

    readLease: (threadId) => selectLease(db, tenant, threadId, false),
  };
}
