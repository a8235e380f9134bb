import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { Conversation, taskWrites } from "./conversation-state.js";
import type { Operation } from "./run-closed-loop.js";

export type WorkloadId = "put" | "putWrites" | "getLatest" | "getOlder" | "list";

/** Which run an operation is prepared for: warm-up and measured run of one (round, concurrency) share their threads. */
export interface WorkloadRun {
  round: number;
  concurrency: number;
  phase: "warm" | "run";
}

/** Prepares what a run needs (untimed) and returns its operation. */
export type PrepareWorkload = (run: WorkloadRun) => Promise<Operation>;

/** The seeded history every read goes to, and the cold copies of it that the L1-miss reads use. */
export interface HistoryLayout {
  threadId: string;
  /** Checkpoint ids of the history, oldest first (the last is the latest). */
  ids: readonly string[];
  /** Cold thread that the `seq`-th older-id read of a run goes to (each (thread, id) is read once in the whole run). */
  coldThread(run: WorkloadRun, seq: number): string;
}

/** Cold threads one run of `maxOps` older-id reads needs. */
export const coldThreadsFor = (history: HistoryLayout, maxOps: number) => Math.ceil(maxOps / (history.ids.length - 1));

/** Writes the history through the saver itself: each step a put, then a task's 3 writes on it. */
export async function seedHistory(saver: BaseCheckpointSaver, history: HistoryLayout): Promise<void> {
  const conversation = new Conversation(history.threadId, history.ids);
  for (let step = 0; step < history.ids.length; step++) {
    const call = conversation.next();
    const saved = await saver.put(call.config, call.checkpoint, call.metadata, call.newVersions);
    await saver.putWrites(saved, taskWrites(step), `task-${step}`);
  }
}

/** Starts one conversation per worker (its first checkpoint, all 5 channels), `concurrency` at a time. */
async function startConversations(saver: BaseCheckpointSaver, prefix: string, count: number): Promise<Conversation[]> {
  const conversations = Array.from({ length: count }, (_, w) => new Conversation(`${prefix}-w${w}`));
  await Promise.all(
    conversations.map(async (conversation) => {
      const call = conversation.next();
      await saver.put(call.config, call.checkpoint, call.metadata, call.newVersions);
    }),
  );
  return conversations;
}

/**
 * The five LangGraph-level workloads on one saver. Put and PutWrites give
 * every worker a thread of its own (64 agents on 64 conversations, not 64
 * writers on one thread); reads all go to the seeded history.
 */
export function saverWorkloads(saver: BaseCheckpointSaver, history: HistoryLayout): Record<WorkloadId, PrepareWorkload> {
  const threads = new Map<string, Promise<Conversation[]>>();
  const conversationsFor = (kind: string, run: WorkloadRun) => {
    const key = `${kind}-r${run.round}-c${run.concurrency}`;
    let started = threads.get(key);
    if (started === undefined) {
      started = startConversations(saver, key, run.concurrency);
      threads.set(key, started);
    }
    return started;
  };
  const latest = { configurable: { thread_id: history.threadId, checkpoint_ns: "" } };
  const olderCount = history.ids.length - 1;

  return {
    async put(run) {
      const conversations = await conversationsFor("put", run);
      return async (_seq, worker) => {
        const conversation = conversations[worker]!;
        const call = conversation.next();
        await saver.put(call.config, call.checkpoint, call.metadata, call.newVersions);
      };
    },
    async putWrites(run) {
      const conversations = await conversationsFor("writes", run);
      return async (seq, worker) => {
        await saver.putWrites(conversations[worker]!.lastConfig(), taskWrites(seq), `task-${run.phase}-${seq}`);
      };
    },
    async getLatest() {
      return async () => {
        const tuple = await saver.getTuple(latest);
        if (tuple?.pendingWrites?.length !== 3) throw new Error("getTuple(latest) did not return the seeded tuple");
      };
    },
    async getOlder(run) {
      return async (seq) => {
        const id = history.ids[seq % olderCount]!;
        const thread = history.coldThread(run, seq);
        const tuple = await saver.getTuple({ configurable: { thread_id: thread, checkpoint_ns: "", checkpoint_id: id } });
        if (tuple?.config.configurable?.["checkpoint_id"] !== id) throw new Error(`getTuple(${thread}, ${id}) found nothing`);
      };
    },
    async list() {
      return async () => {
        let count = 0;
        for await (const tuple of saver.list({ configurable: { thread_id: history.threadId } })) if (tuple.checkpoint.id !== "") count++;
        if (count !== history.ids.length) throw new Error(`list returned ${count} tuples, not ${history.ids.length}`);
      };
    },
  };
}
