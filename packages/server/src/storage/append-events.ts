import { CompiledQuery, type Kysely, type Transaction } from "kysely";
import type { NewEvent } from "../domain/thread-event.js";
import type { Database } from "./database-schema.js";
import { parameterList, type ParameterList } from "./parameter-list.js";

const clockColumns = ", created_at, last_write_at, touched_at";
const clockValues = ", now(), now(), now()";
const clockUpdate =
  ", created_at = coalesce(thread_event_counters.created_at, excluded.created_at)" +
  ", last_write_at = excluded.last_write_at, touched_at = excluded.touched_at";

/** A thread's events to append with a write (empty: none). */
export interface ThreadEvents {
  tenant: string;
  threadId: string;
  events: readonly NewEvent[];
  /**
   * The fencing token the write carries (0n: none), checked by checkpointd_fence (migration
   * 0006) after the thread's event counter is locked; undefined: the write is not fenced (a
   * Resume). A fenced write must carry events: the check runs on the event rows.
   */
  fence?: bigint | undefined;
}

/**
 * The fencing check of a write, over the thread's counter row `c` (locked by the write) and the
 * token `e.token`: a thread that never had a lease takes a write without a token with no call.
 */
export const fenceCheck = `(not c.leased and e.token = 0) or checkpointd_fence(c.tenant, c.thread_id, e.token) is not false`;

export interface WithEventsOptions {
  /** The statement returns the new events' ids. */
  returnEventIds?: boolean;
  /** Indexes into `inserts` whose rows say which threads changed (see below); unset: every thread's events are appended. */
  changedBy?: readonly number[] | undefined;
  /** The write sets the thread's clock (default true); the sweeper's and the leases' events do not. */
  touch?: boolean;
}

/**
 * The one statement that numbers events: `inserts` (SQL text using `p`'s
 * parameters) become CTEs, each thread's event counter is upserted in a CTE
 * (which locks its row until commit, so ids stay gapless and in commit order
 * per thread), and the events insert numbers its rows by joining that CTE.
 * Without events, the last insert is the main statement; with neither, there
 * is nothing to run. `threads` must be distinct and sorted by (tenant, thread id):
 * concurrent statements then lock counter rows in one order and cannot
 * deadlock. With `returnEventIds`, the statement returns the new events' ids.
 *
 * With `changedBy` (indexes into `inserts`), a thread's events are appended
 * only when one of those inserts wrote a row of it (each returns the tenant
 * and thread of the rows it inserted or changed): a retried write that
 * changes nothing, say after a timeout that hid its commit, appends no second
 * event. Every thread's counter row is still locked, in order, by an upsert
 * that adds 0 for an unchanged one.
 *
 * The same upsert keeps the thread's clock (0005_retention) at no extra row
 * write: a write (`touch`) sets last_write_at and touched_at, and created_at if
 * the thread held nothing; the sweeper's own events pass `touch` false.
 */
export function withEvents(
  p: ParameterList,
  inserts: readonly string[],
  threads: readonly ThreadEvents[],
  options: WithEventsOptions = {},
): CompiledQuery | undefined {
  const { returnEventIds = false, changedBy, touch = true } = options;
  const counted = threads.filter((t) => t.events.length > 0);
  if (threads.some((t) => t.fence !== undefined && t.events.length === 0)) throw new Error("a fenced write must carry events");
  const marking = counted.length > 0 && changedBy !== undefined && changedBy.length > 0 ? new Set(changedBy) : undefined;
  const ctes = inserts.map((insert, i) => `write_${i} as (${insert}${marking?.has(i) === true ? " returning tenant, thread_id" : ""})`);
  if (counted.length === 0) {
    const main = inserts.at(-1);
    if (main === undefined) return undefined;
    return CompiledQuery.raw(ctes.length > 1 ? `with ${ctes.slice(0, -1).join(", ")} ${main}` : main, p.values);
  }
  const changed = (alias: string) =>
    [...(marking ?? [])]
      .map((i) => `exists (select 1 from write_${i} w where w.tenant = ${alias}.tenant and w.thread_id = ${alias}.thread_id)`)
      .join(" or ");
  const counts = counted.map((t) => `(${p.add(t.tenant)}::text, ${p.add(t.threadId)}::text, ${t.events.length})`).join(", ");
  ctes.push(
    `event_counter as (insert into thread_event_counters (tenant, thread_id, last_event_id${touch ? clockColumns : ""}) ` +
      (marking === undefined
        ? `select t.tenant, t.thread_id, t.n`
        : `select t.tenant, t.thread_id, case when ${changed("t")} then t.n else 0 end`) +
      (touch ? clockValues : "") +
      ` from (values ${counts}) as t (tenant, thread_id, n)` +
      ` on conflict (tenant, thread_id) do update set last_event_id = thread_event_counters.last_event_id + excluded.last_event_id` +
      (touch ? clockUpdate : "") +
      ` returning tenant, thread_id, last_event_id, leased)`,
  );
  // Each event row names its thread and how far before the thread's new last id it is.
  // A bare VALUES list gives its parameters no column types: they are cast.
  // A fenced thread's first event row carries its token; the others (and unfenced threads') carry null.
  const events = counted.flatMap(({ tenant, threadId, events, fence }) =>
    events.map(
      (e, i) =>
        `(${p.add(tenant)}::text, ${p.add(threadId)}::text, ${events.length - 1 - i}, ${p.add(e.checkpointNs)}::text, ` +
        `${p.add(e.kind)}::text, ${p.add(e.body)}::bytea, ${i === 0 && fence !== undefined ? `${p.add(String(fence))}::bigint` : "null::bigint"})`,
    ),
  );
  // checkpointd_fence is strict: a null token (no check) gives null, not a call. A thread that
  // never had a lease (its counter row's `leased`, read from the locked, latest row version, so
  // a lease committed meanwhile is seen) takes a write without a token with no call at all.
  // The check reads the counter CTE's rows, so it runs after the counter row is locked: a lease
  // taken meanwhile (its events lock the same row first) is seen; see migration 0006.
  const fenced = counted.some((t) => t.fence !== undefined);
  return CompiledQuery.raw(
    `with ${ctes.join(", ")} insert into thread_events (tenant, thread_id, event_id, checkpoint_ns, kind, body) ` +
      `select e.tenant, e.thread_id, c.last_event_id - e.back, e.checkpoint_ns, e.kind, e.body ` +
      `from (values ${events.join(", ")}) as e (tenant, thread_id, back, checkpoint_ns, kind, body, token) ` +
      `join event_counter c on c.tenant = e.tenant and c.thread_id = e.thread_id` +
      eventFilter(fenced ? fenceCheck : undefined, marking === undefined ? undefined : changed("e")) +
      (returnEventIds ? ` returning event_id` : ``),
    p.values,
  );
}

/** Appends events to a thread's log inside the caller's transaction; returns the last new id (0n for none). */
export async function appendEvents(
  trx: Kysely<Database> | Transaction<Database>,
  tenant: string,
  threadId: string,
  events: readonly NewEvent[],
  options: { fence?: bigint | undefined; touch?: boolean } = {},
): Promise<bigint> {
  const statement = withEvents(parameterList(), [], [{ tenant, threadId, events, fence: options.fence }], {
    returnEventIds: true,
    touch: options.touch ?? true,
  });
  if (statement === undefined) return 0n;
  const { rows } = await trx.executeQuery(statement as CompiledQuery<{ event_id: string | number | bigint }>);
  return rows.reduce((last, row) => (BigInt(row.event_id) > last ? BigInt(row.event_id) : last), 0n);
}

/**
 * The events insert's filter: the fence check first, on every event row (a CASE keeps the
 * order, so a stale token is refused even by a retry that changes nothing), then only the
 * threads a write changed.
 */
function eventFilter(fenceCheck: string | undefined, changed: string | undefined): string {
  if (fenceCheck === undefined) return changed === undefined ? `` : ` where ${changed}`;
  return changed === undefined ? ` where ${fenceCheck}` : ` where case when ${fenceCheck} then ${changed} else false end`;
}
