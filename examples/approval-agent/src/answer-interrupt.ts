import type { CheckpointdClient } from "@checkpointd/client";
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";

const serde = new JsonPlusSerializer();

/**
 * The approver's side: waits on Watch for the thread's interrupt (it is pushed, not polled),
 * asks `decide` for an answer, and sends it with Resume. Returns the resume id.
 */
export async function answerInterrupt(
  client: CheckpointdClient,
  threadId: string,
  decide: (question: unknown) => Promise<string>,
): Promise<string> {
  const watch = client.watch({ threads: [threadId] });
  try {
    for await (const event of watch) {
      if (event.kind.case !== "interrupted" || event.kind.value.value === undefined) continue;
      // The `__interrupt__` write as LangGraph serialized it: a list of { id, value }.
      const { type, data } = event.kind.value.value;
      const interrupts = (await serde.loadsTyped(type, data)) as Array<{ id?: string; value?: unknown }>;
      const values: Record<string, { type: string; data: Uint8Array }> = {};
      for (const { id, value } of interrupts) {
        if (id === undefined) continue;
        const [answerType, answer] = await serde.dumpsTyped(await decide(value));
        values[id] = { type: answerType, data: answer };
      }
      const { resumeId } = await client.resume({
        threadId,
        checkpointNs: event.kind.value.config?.checkpointNs ?? "",
        values,
        // Sending the same answer twice (a retry) records one resume.
        idempotencyKey: `approver:${threadId}:${event.eventId}`,
      });
      return resumeId;
    }
    throw new Error(`the watch on ${threadId} ended before an interrupt`);
  } finally {
    watch.close();
  }
}
