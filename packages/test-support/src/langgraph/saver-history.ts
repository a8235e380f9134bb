import type { BaseCheckpointSaver, CheckpointTuple } from "@langchain/langgraph-checkpoint";

/** What a saver returns for a thread, LangGraph-level: list() newest first, and get_tuple() of each id. */
export interface SaverHistory {
  list: CheckpointTuple[];
  byId: CheckpointTuple[];
}

export async function saverHistory(saver: BaseCheckpointSaver, threadId: string): Promise<SaverHistory> {
  const list: CheckpointTuple[] = [];
  for await (const tuple of saver.list({ configurable: { thread_id: threadId } })) list.push(tuple);
  const byId: CheckpointTuple[] = [];
  for (const tuple of list) {
    const got = await saver.getTuple({ configurable: { ...tuple.config.configurable } });
    if (got !== undefined) byId.push(got);
  }
  return { list, byId };
}
