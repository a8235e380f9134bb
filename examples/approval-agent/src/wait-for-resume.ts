import type { CheckpointdClient } from "@checkpointd/client";
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";

const serde = new JsonPlusSerializer();

/**
 * A worker's side: waits on Watch for a resume of the thread and claims it. Several workers may
 * watch one thread; exactly one claim succeeds. Resolves with the value for `new Command({ resume })`.
 */
export async function waitForResume(client: CheckpointdClient, threadId: string, workerId: string): Promise<unknown> {
  const watch = client.watch({ threads: [threadId] });
  try {
    for await (const event of watch) {
      if (event.kind.case !== "resumeRequested") continue;
      const claim = await client.claimResume({ threadId, resumeId: event.kind.value.resumeId, workerId });
      if (!claim.claimed) continue; // another worker took it
      const answers = await Promise.all(
        Object.entries(claim.values).map(async ([id, value]) => [id, await serde.loadsTyped(value.type, value.data)] as const),
      );
      // One interrupt: its answer; several: LangGraph's map of interrupt id -> answer.
      return answers.length === 1 ? answers[0]![1] : Object.fromEntries(answers);
    }
    throw new Error(`the watch on ${threadId} ended before a resume`);
  } finally {
    watch.close();
  }
}
