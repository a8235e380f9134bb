import type { CheckpointdClient } from "@checkpointd/client";
import { JsonPlusSerializer, type SerializerProtocol } from "@langchain/langgraph-checkpoint";

export interface ClaimedResume {
  resumeId: string;
  /** For `new Command({ resume })`: the answer, or a map of interrupt id -> answer when there are several. */
  resume: unknown;
}

/**
 * A worker's side of human-in-the-loop: waits on Watch for a resume of the thread and claims it.
 * Several workers may watch one thread; exactly one claim succeeds.
 */
export async function waitForResume(
  client: CheckpointdClient,
  threadId: string,
  workerId: string,
  serde: SerializerProtocol = new JsonPlusSerializer(),
): Promise<ClaimedResume> {
  const watch = client.watch({ threads: [threadId] });
  try {
    for await (const event of watch) {
      if (event.kind.case !== "resumeRequested") continue;
      const claim = await client.claimResume({ threadId, resumeId: event.kind.value.resumeId, workerId });
      if (!claim.claimed) continue; // another worker took it
      const answers = await Promise.all(
        Object.entries(claim.values).map(async ([id, value]) => [id, await serde.loadsTyped(value.type, value.data)] as const),
      );
      return { resumeId: claim.resumeId, resume: answers.length === 1 ? answers[0]![1] : Object.fromEntries(answers) };
    }
    throw new Error(`the watch on ${threadId} ended before a resume`);
  } finally {
    watch.close();
  }
}
