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
 * The same upsert keeps the thread's clock (0005_retention) at no extra row
 * write: a write (`touch`) sets last_write_at and touched_at, and created_at if
 * the thread held nothing; the sweeper's own events pass `touch` false.
 */
export function withEvents(
  p: ParameterList,
  inserts: readonly string[],
  threads: readonly ThreadEvents[],
  returnEventIds = false,
  touch = true,
): CompiledQuery | undefined {
  const ctes = inserts.map((insert, i) => `write_${i} as (${insert})`);
  const counted = threads.filter((t) => t.events.length > 0);
  if (counted.length === 0) {
    const main = inserts.at(-1);
    if (main === undefined) return undefined;
    return CompiledQuery.raw(ctes.length > 1 ? `with ${ctes.slice(0, -1).join(", ")} ${main}` : main, p.values);
  }
  ctes.push(
    `event_counter as (insert into thread_event_counters (tenant, thread_id, last_event_id${touch ? clockColumns : ""}) values ` +
      counted
        .map((t) => `(${p.add(t.tenant)}, ${p.add(t.threadId)}, ${p.add(String(t.events.length))}${touch ? clockValues : ""})`)
        .join(", ") +
      ` on conflict (tenant, thread_id) do update set last_event_id = thread_event_counters.last_event_id + excluded.last_event_id` +
      (touch ? clockUpdate : "") +
      ` returning tenant, thread_id, last_event_id)`,
  );
  // Each event row names its thread and how far before the thread's new last id it is.
  // A bare VALUES list gives its parameters no column types: they are cast.
  const events = counted.flatMap(({ tenant, threadId, events }) =>
    events.map(
      (e, i) =>
        `(${p.add(tenant)}::text, ${p.add(threadId)}::text, ${events.length - 1 - i}, ${p.add(e.checkpointNs)}::text, ` +
        `${p.add(e.kind)}::text, ${p.add(e.body)}::bytea)`,
    ),
  );
  return CompiledQuery.raw(
    `with ${ctes.join(", ")} insert into thread_events (tenant, thread_id, event_id, checkpoint_ns, kind, body) ` +
      `select e.tenant, e.thread_id, c.last_event_id - e.back, e.checkpoint_ns, e.kind, e.body ` +
      `from (values ${events.join(", ")}) as e (tenant, thread_id, back, checkpoint_ns, kind, body) ` +
      `join event_counter c on c.tenant = e.tenant and c.thread_id = e.thread_id` +
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
  touch = true,
): Promise<bigint> {
  const statement = withEvents(parameterList(), [], [{ tenant, threadId, events }], true, touch);
  if (statement === undefined) return 0n;
  const { rows } = await trx.executeQuery(statement as CompiledQuery<{ event_id: string | number | bigint }>);
  return rows.reduce((last, row) => (BigInt(row.event_id) > last ? BigInt(row.event_id) : last), 0n);
}
