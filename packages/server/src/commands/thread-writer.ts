import type { CheckpointdClient } from "@checkpointd/client";
import { specialChannels, type ImportRecord, type PendingWriteInit } from "./import-record.js";
import type { Progress } from "./progress.js";

const sep = "\u0000";
const bytesKey = (data: Uint8Array | undefined) => Buffer.from(data ?? new Uint8Array()).toString("base64");
const writeKey = (w: PendingWriteInit) =>
  [w.taskId ?? "", w.channel ?? "", w.taskPath ?? "", w.value?.type ?? "", bytesKey(w.value?.data)].join(sep);
const checkpointKey = (ns: string, id: string) => `${ns}${sep}${id}`;

/** What the server holds of a thread: checkpoint keys -> the keys of their pending writes. */
async function existingState(client: CheckpointdClient, threadId: string, signal: AbortSignal): Promise<Map<string, Set<string>>> {
  const state = new Map<string, Set<string>>();
  for await (const tuple of client.list({ config: { threadId } }, { signal })) {
    state.set(
      checkpointKey(tuple.config?.checkpointNs ?? "", tuple.config?.checkpointId ?? ""),
      new Set(tuple.pendingWrites.map((w) => writeKey(w))),
    );
  }
  return state;
}

/**
 * The PutWrites calls that bring a checkpoint's writes to `writes`: per task, the special-channel
 * writes (fixed idx, overwriting) apart from the ordinary ones, which are sent as the task's whole
 * list whenever one is missing, so that each keeps its list position as idx (insert-if-absent
 * leaves the ones present untouched).
 */
function writeCalls(
  record: ImportRecord,
  present: ReadonlySet<string>,
): { taskId: string; taskPath: string; writes: PendingWriteInit[] }[] {
  const byTask = new Map<string, { taskId: string; taskPath: string; ordinary: PendingWriteInit[]; special: PendingWriteInit[] }>();
  for (const w of record.writes) {
    const k = `${w.taskId ?? ""}${sep}${w.taskPath ?? ""}`;
    let task = byTask.get(k);
    if (task === undefined) byTask.set(k, (task = { taskId: w.taskId ?? "", taskPath: w.taskPath ?? "", ordinary: [], special: [] }));
    (specialChannels.has(w.channel ?? "") ? task.special : task.ordinary).push(w);
  }
  const calls = [];
  for (const task of byTask.values()) {
    if (task.ordinary.some((w) => !present.has(writeKey(w)))) calls.push({ ...task, writes: task.ordinary });
    const special = task.special.filter((w) => !present.has(writeKey(w)));
    if (special.length > 0) calls.push({ ...task, writes: special });
  }
  return calls;
}

export interface ThreadWriterOptions {
  client: CheckpointdClient;
  progress: Progress;
  signal: AbortSignal;
  /** Checkpoints written at once (default 8; the client batches what is sent in one turn). */
  concurrency?: number;
}

/**
 * Writes a thread's records through Put and PutWrites, skipping what the server already holds
 * (one List of the thread first), so that an interrupted import can be run again and a repeated
 * one adds nothing. Counts go to the progress: its unit per checkpoint
 * seen, and `written`, `skipped` (checkpoints), `writes` and `threads`.
 */
export function createThreadWriter(options: ThreadWriterOptions) {
  const { client, progress, signal } = options;
  const concurrency = options.concurrency ?? 8;
  return async function writeThread(threadId: string, records: readonly ImportRecord[]): Promise<void> {
    const existing = await existingState(client, threadId, signal);
    const ordered = [...records].sort((a, b) => (a.checkpointId < b.checkpointId ? -1 : a.checkpointId > b.checkpointId ? 1 : 0));
    let next = 0;
    const work = async () => {
      while (next < ordered.length) {
        signal.throwIfAborted();
        const record = ordered[next++]!;
        const present = existing.get(checkpointKey(record.checkpointNs, record.checkpointId));
        if (present === undefined) {
          await client.put(record.put);
          progress.add(1, "written");
        } else progress.add(1, "skipped");
        progress.add(1);
        const calls = writeCalls(record, present ?? new Set());
        for (const call of calls) {
          await client.putWrites({
            config: { threadId, checkpointNs: record.checkpointNs, checkpointId: record.checkpointId },
            taskId: call.taskId,
            taskPath: call.taskPath,
            writes: call.writes,
          });
          progress.add(call.writes.length, "writes");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ordered.length) }, work));
    progress.add(1, "threads");
  };
}
