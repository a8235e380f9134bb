import type { GroupTracer } from "../tracing/call-tracer.js";

export interface PutGrouperOptions<P> {
  threadOf(put: P): string;
  /** The rows a put inserts: blobs, checkpoint, events, event counter. */
  rowsOf(put: P): number;
  /** At most this many rows per group; a larger put is written alone at once. */
  maxRows: number;
  /** Writes puts of distinct threads, sorted by thread id, as one statement. */
  writeGroup(puts: readonly P[]): Promise<void>;
  /** Writes one put by itself: a group of one, a large put, and each put of a failed group again. */
  writeAlone(put: P): Promise<void>;
  /** Told the size of each group as it is written (1: a put alone). */
  onGroup?: ((size: number) => void) | undefined;
  /** Keeps each put's trace: a put written alone runs in its caller's context, a group in a span linked to theirs. */
  tracer?: GroupTracer | undefined;
}

export interface PutGrouper<P> {
  /** Resolves once the put is committed, whether with others or alone. */
  put(put: P): Promise<void>;
  /** Resolves once every put handed in so far has settled. */
  settled(): Promise<void>;
}

interface Pending<P> {
  put: P;
  thread: string;
  rows: number;
  /** The caller's trace context (tracer.capture()), when tracing. */
  captured: unknown;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit for Puts. Every put handed in during one event-loop turn is
 * queued and written at the next `setImmediate` (a put at concurrency 1 waits
 * one turn), in groups of puts of distinct threads and at most maxRows rows:
 * one statement, one round trip and one commit per group instead of per put.
 * The groups of a flush run concurrently; each is sorted by thread id, so they
 * lock the threads' rows in one order and cannot deadlock one another. When a
 * group's statement fails, nothing of it is committed and each of its puts is
 * written again alone: only a put that fails by itself (bad input, say)
 * rejects.
 */
export function createPutGrouper<P>(options: PutGrouperOptions<P>): PutGrouper<P> {
  const { tracer } = options;
  let queue: Pending<P>[] = [];
  let unsettled = 0;
  let onSettled: Array<() => void> = [];

  function settle() {
    if (--unsettled > 0) return;
    const waiters = onSettled;
    onSettled = [];
    for (const resolve of waiters) resolve();
  }

  /** The k-th queued put of each thread goes to the k-th layer; layers are cut into groups of at most maxRows rows. */
  function intoGroups(pending: readonly Pending<P>[]): Pending<P>[][] {
    const seen = new Map<string, number>();
    const layers: Pending<P>[][] = [];
    for (const p of pending) {
      const k = seen.get(p.thread) ?? 0;
      seen.set(p.thread, k + 1);
      (layers[k] ??= []).push(p);
    }
    const groups: Pending<P>[][] = [];
    for (const layer of layers) {
      let group: Pending<P>[] = [];
      let rows = 0;
      for (const p of layer) {
        if (group.length > 0 && rows + p.rows > options.maxRows) {
          groups.push(group);
          group = [];
          rows = 0;
        }
        group.push(p);
        rows += p.rows;
      }
      groups.push(group);
    }
    return groups;
  }

  async function writeAlone(p: Pending<P>): Promise<void> {
    try {
      await (tracer === undefined ? options.writeAlone(p.put) : tracer.alone(p.captured, () => options.writeAlone(p.put)));
    } catch (error) {
      p.reject(error);
      return;
    }
    p.resolve();
  }

  async function write(group: Pending<P>[]): Promise<void> {
    options.onGroup?.(group.length);
    if (group.length === 1) return writeAlone(group[0]!);
    group.sort((a, b) => (a.thread < b.thread ? -1 : a.thread > b.thread ? 1 : 0));
    try {
      const puts = group.map((p) => p.put);
      await (tracer === undefined
        ? options.writeGroup(puts)
        : tracer.group(
            group.map((p) => p.captured),
            group.length,
            () => options.writeGroup(puts),
          ));
    } catch {
      // The statement is atomic: none of the group is stored. Find the put(s) at fault.
      await Promise.all(group.map(writeAlone));
      return;
    }
    for (const p of group) p.resolve();
  }

  function flush() {
    const pending = queue;
    queue = [];
    for (const group of intoGroups(pending)) void write(group);
  }

  return {
    put(put) {
      const rows = options.rowsOf(put);
      if (rows > options.maxRows) options.onGroup?.(1);
      const done =
        rows > options.maxRows
          ? options.writeAlone(put)
          : new Promise<void>((resolve, reject) => {
              if (queue.length === 0) setImmediate(flush);
              queue.push({ put, thread: options.threadOf(put), rows, captured: tracer?.capture(), resolve, reject });
            });
      unsettled++;
      done.then(settle, settle);
      return done;
    },
    settled() {
      return unsettled === 0 ? Promise.resolve() : new Promise((resolve) => onSettled.push(resolve));
    },
  };
}
