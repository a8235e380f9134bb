import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PutRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

/** Checkpoint `step` of a bench thread: ids sort in step order and have a fixed width, like LangGraph's uuid6 ids. */
export function benchCheckpointId(step: number): string {
  return `1ef8b0c2-5a7d-6f3e-8004-${String(step).padStart(12, "0")}`;
}

const payload = new TextEncoder().encode(JSON.stringify({ role: "assistant", content: "x".repeat(160) }));

/**
 * A small, realistic Put: step `step` of `threadId` (parent: step − 1), one
 * new `messages` value of ≈ 200 bytes, two channel versions and step metadata.
 */
export function benchPutRequest(threadId: string, step: number): MessageInitShape<typeof PutRequestSchema> {
  const version = { kind: { case: "intValue" as const, value: BigInt(step + 1) } };
  return {
    config: { threadId, checkpointNs: "", checkpointId: step === 0 ? "" : benchCheckpointId(step - 1) },
    checkpoint: {
      v: 4,
      id: benchCheckpointId(step),
      ts: new Date().toISOString(),
      channelValues: { messages: { type: "json", data: payload } },
      channelVersions: { messages: version, "branch:to:agent": version },
      versionsSeen: { agent: { versions: { messages: version } } },
      updatedChannels: ["messages"],
    },
    metadata: { source: "loop", step, run_id: "bench-run" },
    newVersions: { messages: version },
  };
}
