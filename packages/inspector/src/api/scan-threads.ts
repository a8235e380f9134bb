import type { JsonObject } from "@bufbuild/protobuf";
import type { CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import type { InspectorApi } from "./create-inspector-api.js";

export interface ThreadRow {
  threadId: string;
  /** The thread's newest checkpoint that matched. */
  latest: CheckpointTuple;
}

export interface ThreadPage {
  threads: ThreadRow[];
  /** Where the next page starts (List's exclusive `before`), or undefined at the end. */
  next: string | undefined;
  /** Checkpoints read for this page. */
  scanned: number;
}

export interface ScanThreadsOptions {
  filter: JsonObject | undefined;
  /** Only thread ids starting with this (filtered here: List has no id-prefix filter). */
  prefix: string;
  before: string | undefined;
  /** Threads already shown on earlier pages. */
  seen: ReadonlySet<string>;
  pageSize: number;
  /** Stop after reading this many checkpoints (then `next` lets the user go on). */
  maxScan: number;
  /** Told of the threads found so far each time one more is found (to show them before the page is full). */
  onProgress?: (threads: readonly ThreadRow[]) => void;
  /** Cancels the scan (the page was left). */
  signal?: AbortSignal;
}

/**
 * One page of threads, most recently active first: List across every thread
 * (newest checkpoint first, JSON containment `filter` applied by the server)
 * read until `pageSize` new threads were seen, then cancelled. A thread with a
 * long history makes this read through all of it: the server has no thread
 * listing (GetThread reads only the one thread it is given), so the scan stays.
 */
export async function scanThreads(api: InspectorApi, options: ScanThreadsOptions): Promise<ThreadPage> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  options.signal?.addEventListener("abort", stop, { once: true });
  const threads: ThreadRow[] = [];
  const seen = new Set(options.seen);
  let scanned = 0;
  let lastId: string | undefined;
  try {
    const stream = api.list(
      {
        ...(options.filter === undefined ? {} : { filter: options.filter }),
        ...(options.before === undefined ? {} : { before: { checkpointId: options.before } }),
        limit: options.maxScan,
      },
      { signal: abort.signal },
    );
    for await (const { tuple } of stream) {
      const threadId = tuple?.config?.threadId;
      if (tuple === undefined || threadId === undefined) continue;
      if (!seen.has(threadId) && threadId.startsWith(options.prefix)) {
        if (threads.length === options.pageSize) return { threads, next: lastId, scanned };
        threads.push({ threadId, latest: tuple });
        options.onProgress?.(threads);
      }
      seen.add(threadId);
      scanned++;
      lastId = tuple.config?.checkpointId;
    }
  } finally {
    options.signal?.removeEventListener("abort", stop);
    abort.abort();
  }
  return { threads, next: scanned === options.maxScan ? lastId : undefined, scanned };
}

/** The thread whose id is exactly `threadId` (its latest checkpoint in the root namespace), if any. */
export async function exactThread(api: InspectorApi, threadId: string): Promise<ThreadRow | undefined> {
  if (threadId === "") return undefined;
  const { tuple } = await api.getTuple({ config: { threadId, checkpointNs: "" } });
  return tuple === undefined ? undefined : { threadId, latest: tuple };
}
