// The approver process: watches a thread and answers its first interrupt with Resume.
import { createCheckpointdClient } from "@checkpointd/client";
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import { exitAfter, processArgs, report } from "./process-args.js";

const { address, thread, answer } = processArgs(["address", "thread", "answer"]);
exitAfter(60_000, "approver");
const serde = new JsonPlusSerializer();
const client = createCheckpointdClient({ address });
const watch = client.watch({ threads: [thread] });
for await (const event of watch) {
  if (event.kind.case !== "interrupted" || event.kind.value.value === undefined) continue;
  const { type, data } = event.kind.value.value;
  const interrupts = (await serde.loadsTyped(type, data)) as Array<{ id?: string; value?: unknown }>;
  const values: Record<string, { type: string; data: Uint8Array }> = {};
  for (const item of interrupts) {
    if (item.id === undefined) continue;
    const [valueType, bytes] = await serde.dumpsTyped(answer);
    values[item.id] = { type: valueType, data: bytes };
  }
  const resumed = await client.resume({
    threadId: thread,
    checkpointNs: event.kind.value.config?.checkpointNs ?? "",
    values,
    idempotencyKey: `approve:${thread}:${event.eventId}`,
  });
  report({ pid: process.pid, question: interrupts.map((i) => i.value), resumeId: resumed.resumeId, eventId: String(resumed.eventId) });
  break;
}
watch.close();
await client.close();
