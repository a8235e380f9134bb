import { CompiledQuery } from "kysely";
import type { Database } from "./database-schema.js";
import type { ThreadEvents } from "./thread-events.js";

/** A Put as rows, ready to write alone or in a group. */
export interface PreparedPut extends ThreadEvents {
  blobs: Array<Database["checkpoint_blobs"]>;
  row: {
    thread_id: string;
    checkpoint_ns: string;
    checkpoint_id: string;
    parent_checkpoint_id: string | null;
    /** JSON text (jsonb). */
    checkpoint: string;
    /** JSON text (jsonb). */
    metadata: string;
  };
}

/** Collects bind parameters and hands out their placeholders. */
function parameterList() {
  const values: unknown[] = [];
  const add = (value: unknown) => `$${values.push(value)}`;
  return {
    values,
    add,
    /** `($1, $2, …)` for one row. */
    row: (...row: unknown[]) => `(${row.map(add).join(", ")})`,
  };
}

type ParameterList = ReturnType<typeof parameterList>;

const insertBlobs = (p: ParameterList, blobs: readonly Database["checkpoint_blobs"][]) =>
  `insert into checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob) values ` +
  blobs.map((b) => p.row(b.thread_id, b.checkpoint_ns, b.channel, b.version, b.type, b.blob)).join(", ") +
  ` on conflict (thread_id, checkpoint_ns, channel, version) do nothing`;

/** Channel values by themselves (a chunk of a Put with more than rowsPerInsert of them). */
export function blobsStatement(blobs: readonly Database["checkpoint_blobs"][]): CompiledQuery {
  const p = parameterList();
  return CompiledQuery.raw(insertBlobs(p, blobs), p.values);
}

/**
 * The Puts of distinct threads as one statement: blobs and checkpoints are
 * CTEs of the events insert, and the event counter of each thread is upserted
 * in a CTE that the events insert numbers its rows from (as withEventCounter
 * and insertEventsAfterCounter do for Kysely-built writes). One statement is
 * atomic by itself and a single round trip.
 *
 * Built as text rather than through Kysely's query builder: this is the one
 * statement every Put runs, in groups of up to 1,000 rows, and building and
 * compiling its query tree was about a tenth of the server's CPU per Put.
 * `puts` must have distinct thread ids, sorted (see withEventCounter), and at
 * most rowsPerInsert rows in all.
 */
export function putStatement(puts: readonly PreparedPut[]): CompiledQuery {
  const p = parameterList();
  const ctes: string[] = [];
  const blobs = puts.flatMap((put) => put.blobs);
  if (blobs.length > 0) ctes.push(`write_blobs as (${insertBlobs(p, blobs)})`);
  const checkpoints =
    `insert into checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata) values ` +
    puts
      .map(({ row: r }) => p.row(r.thread_id, r.checkpoint_ns, r.checkpoint_id, r.parent_checkpoint_id, r.checkpoint, r.metadata))
      .join(", ") +
    ` on conflict (thread_id, checkpoint_ns, checkpoint_id) do update set parent_checkpoint_id = excluded.parent_checkpoint_id, ` +
    `checkpoint = excluded.checkpoint, metadata = excluded.metadata`;
  const withEvents = puts.filter((put) => put.events.length > 0);
  if (withEvents.length === 0) {
    const sql = ctes.length > 0 ? `with ${ctes.join(", ")} ${checkpoints}` : checkpoints;
    return CompiledQuery.raw(sql, p.values);
  }
  ctes.push(`write_checkpoints as (${checkpoints})`);
  ctes.push(
    `event_counter as (insert into thread_event_counters (thread_id, last_event_id) values ` +
      withEvents.map((put) => p.row(put.threadId, String(put.events.length))).join(", ") +
      ` on conflict (thread_id) do update set last_event_id = thread_event_counters.last_event_id + excluded.last_event_id` +
      ` returning thread_id, last_event_id)`,
  );
  // Each event row names its thread and how far before the thread's new last id it is; a join numbers them.
  // A bare VALUES list gives its parameters no column types: they are cast.
  const events = withEvents.flatMap(({ threadId, events }) =>
    events.map(
      (e, i) =>
        `(${p.add(threadId)}::text, ${events.length - 1 - i}, ${p.add(e.checkpointNs)}::text, ${p.add(e.kind)}::text, ${p.add(e.body)}::bytea)`,
    ),
  );
  return CompiledQuery.raw(
    `with ${ctes.join(", ")} insert into thread_events (thread_id, event_id, checkpoint_ns, kind, body) ` +
      `select e.thread_id, c.last_event_id - e.back, e.checkpoint_ns, e.kind, e.body ` +
      `from (values ${events.join(", ")}) as e (thread_id, back, checkpoint_ns, kind, body) ` +
      `join event_counter c on c.thread_id = e.thread_id`,
    p.values,
  );
}
