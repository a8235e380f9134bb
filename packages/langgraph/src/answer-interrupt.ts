import type { CheckpointdClient } from "@checkpointd/client";
import { JsonPlusSerializer, type SerializerProtocol } from "@langchain/langgraph-checkpoint";

export interface AnsweredInterrupt {
  resumeId: string;
  /** The resume_requested event's id. */
  eventId: bigint;
}

/**
 * The approver's side of human-in-the-loop: waits on Watch for the thread's interrupt (pushed, not
 * polled), asks `decide` for an answer to each interrupt value, and sends them with Resume, under
 * an idempotency key so that a retried answer records one resume.
 */
export async function answerInterrupt(
  client: CheckpointdClient,
  threadId: string,
  decide: (value: unknown) => unknown,
  serde: SerializerProtocol = new JsonPlusSerializer(),
): Promise<AnsweredInterrupt> {
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
      const resumed = await client.resume({
        threadId,
        checkpointNs: event.kind.value.config?.checkpointNs ?? "",
        values,
        idempotencyKey: `approver:${threadId}:${event.eventId}`,
      });
      return { resumeId: resumed.resumeId, eventId: resumed.eventId };
    }
    throw new Error(`the watch on ${threadId} ended before an interrupt`);
  } finally {
    watch.close();
  }
}
