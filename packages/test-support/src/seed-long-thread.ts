import type { Client } from "@connectrpc/connect";
import type { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

export interface SeedLongThreadOptions {
  /** Checkpoints on the main line (default 10 000). */
  count?: number;
  /** Also fork a branch of this many checkpoints off the 3rd-newest (default 3), as a time travel would. */
  branch?: number;
  /** Puts per Batch call (default 500; Batch takes at most 1000). */
  batchSize?: number;
}

/** Ids that sort in step order, as uuid6 ids do. */
export const seededCheckpointId = (line: number, step: number) =>
  `1f0b0000-0000-6${String(line).padStart(3, "0")}-8000-${String(step).padStart(12, "0")}`;

const message = (i: number) => ({
  lc: 1,
  type: "constructor",
  id: ["langchain_core", "messages", i % 2 === 0 ? "HumanMessage" : "AIMessage"],
  kwargs: { id: `m${i}`, content: `message ${i}` },
});

/**
 * Writes a long history into a thread through Batch (put by put, parent by parent): each
 * checkpoint's `messages` channel holds its step's last two LangChain messages (JSON, as
 * LangGraph.js writes them). Returns the main line's ids, newest first, and the branch's.
 */
export async function seedLongThread(
  client: Client<typeof CheckpointService>,
  threadId: string,
  options: SeedLongThreadOptions = {},
): Promise<{ main: string[]; branch: string[] }> {
  const count = options.count ?? 10_000;
  const branchLength = options.branch ?? 3;
  const batchSize = options.batchSize ?? 500;
  const put = (line: number, step: number, parent: string | undefined, id: string) => {
    const version = { kind: { case: "intValue" as const, value: BigInt(step + 1) } };
    const data = new TextEncoder().encode(JSON.stringify([message(step * 2), message(step * 2 + 1)]));
    return {
      call: {
        case: "put" as const,
        value: {
          config: { threadId, checkpointNs: "", checkpointId: parent ?? "" },
          checkpoint: {
            v: 4,
            id,
            ts: new Date(Date.UTC(2026, 0, 1) + step * 1000).toISOString(),
            channelValues: { messages: { type: "json", data } },
            channelVersions: { messages: version },
          },
          metadata: { source: line === 0 ? "loop" : "fork", step, parents: {} },
          newVersions: { messages: version },
        },
      },
    };
  };
  const main = Array.from({ length: count }, (_, step) => seededCheckpointId(0, step));
  const forkAt = Math.max(0, count - 3);
  const branch = Array.from({ length: branchLength }, (_, i) => seededCheckpointId(1, forkAt + 1 + i));
  const calls = [
    ...main.map((id, step) => put(0, step, main[step - 1], id)),
    ...branch.map((id, i) => put(1, forkAt + 1 + i, i === 0 ? main[forkAt] : branch[i - 1], id)),
  ];
  for (let at = 0; at < calls.length; at += batchSize) {
    const { results } = await client.batch({ calls: calls.slice(at, at + batchSize) });
    const failed = results.find((r) => r.result.case === "error");
    if (failed?.result.case === "error") throw new Error(`seedLongThread: a put failed: ${failed.result.value.message}`);
  }
  return { main: [...main].reverse(), branch: [...branch].reverse() };
}
