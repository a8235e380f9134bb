import { CompiledQuery } from "kysely";
import type { Database } from "./database-schema.js";
import type { ThreadEvents } from "./thread-events.js";

/**
 * The statements of the write path (Put, PutWrites), written as SQL text with
 * bind parameters and run through Kysely's driver on both engines. These run
 * for every write, in groups of up to rowsPerInsert rows, and building and
 * compiling their query trees with Kysely's builder was about a tenth of the
 * server's CPU per Put. Each write is one statement: its inserts become CTEs
 * of the insert of its Watch events (see withEvents), so it is atomic by
 * itself and a single round trip.
 */

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

type WriteRow = Database["checkpoint_writes"];

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

const upsertCheckpoints = (p: ParameterList, puts: readonly PreparedPut[]) =>
  `insert into checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata) values ` +
  puts
    .map(({ row: r }) => p.row(r.thread_id, r.checkpoint_ns, r.checkpoint_id, r.parent_checkpoint_id, r.checkpoint, r.metadata))
    .join(", ") +
  ` on conflict (thread_id, checkpoint_ns, checkpoint_id) do update set parent_checkpoint_id = excluded.parent_checkpoint_id, ` +
  `checkpoint = excluded.checkpoint, metadata = excluded.metadata`;

/** Ordinary writes (idx ≥ 0) are insert-if-absent, so a retried PutWrites is idempotent; special ones (idx < 0) overwrite. */
const insertWrites = (p: ParameterList, writes: readonly WriteRow[], overwrite: boolean) =>
  `insert into checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, task_path) values ` +
  writes
    .map((w) => p.row(w.thread_id, w.checkpoint_ns, w.checkpoint_id, w.task_id, w.idx, w.channel, w.type, w.blob, w.task_path))
    .join(", ") +
  ` on conflict (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) do ` +
  (overwrite
    ? `update set channel = excluded.channel, type = excluded.type, blob = excluded.blob, task_path = excluded.task_path`
    : `nothing`);

/**
 * The inserts as one statement with the threads' events: the inserts become
 * CTEs, each thread's event counter is upserted in a CTE (which locks its row
 * until commit, so ids stay gapless and in commit order per thread), and the
 * events insert numbers its rows by joining that CTE. Without events, the last
 * insert is the main statement; with neither, there is nothing to run.
 * `threads` must be distinct and sorted by thread id: concurrent statements
 * then lock counter rows in one order and cannot deadlock.
 */
function withEvents(p: ParameterList, inserts: readonly string[], threads: readonly ThreadEvents[]): CompiledQuery | undefined {
  const ctes = inserts.map((insert, i) => `write_${i} as (${insert})`);
  const counted = threads.filter((t) => t.events.length > 0);
  if (counted.length === 0) {
    const main = inserts.at(-1);
    if (main === undefined) return undefined;
    return CompiledQuery.raw(ctes.length > 1 ? `with ${ctes.slice(0, -1).join(", ")} ${main}` : main, p.values);
  }
  ctes.push(
    `event_counter as (insert into thread_event_counters (thread_id, last_event_id) values ` +
      counted.map((t) => p.row(t.threadId, String(t.events.length))).join(", ") +
      ` on conflict (thread_id) do update set last_event_id = thread_event_counters.last_event_id + excluded.last_event_id` +
      ` returning thread_id, last_event_id)`,
  );
  // Each event row names its thread and how far before the thread's new last id it is.
  // A bare VALUES list gives its parameters no column types: they are cast.
  const events = counted.flatMap(({ threadId, events }) =>
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

/** The Puts of distinct threads, sorted by thread id (at most rowsPerInsert rows in all): blobs, checkpoints, events. */
export function putStatement(puts: readonly PreparedPut[]): CompiledQuery {
  const p = parameterList();
  const blobs = puts.flatMap((put) => put.blobs);
  const inserts = [...(blobs.length > 0 ? [insertBlobs(p, blobs)] : []), upsertCheckpoints(p, puts)];
  return withEvents(p, inserts, puts)!;
}

/** Channel values by themselves (a chunk of a Put with more than rowsPerInsert of them). */
export function blobsStatement(blobs: readonly Database["checkpoint_blobs"][]): CompiledQuery {
  const p = parameterList();
  return CompiledQuery.raw(insertBlobs(p, blobs), p.values);
}

/**
 * A task's writes (each list at most rowsPerInsert rows; either may be empty)
 * and its thread's events; undefined when there is nothing to write.
 */
export function writesStatement(
  ordinary: readonly WriteRow[],
  special: readonly WriteRow[],
  thread: ThreadEvents,
): CompiledQuery | undefined {
  const p = parameterList();
  const inserts = [
    ...(ordinary.length > 0 ? [insertWrites(p, ordinary, false)] : []),
    ...(special.length > 0 ? [insertWrites(p, special, true)] : []),
  ];
  return withEvents(p, inserts, [thread]);
}
