import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PutWritesRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

const interruptValue = new TextEncoder().encode(
  JSON.stringify([{ value: { question: "approve the tool call?" }, id: "b2f6c0d4e8a1f3b5c7d9e0f2a4b6c8d0" }]),
);

/**
 * What a LangGraph task writes when it calls `interrupt()`: its `__interrupt__`
 * write (one Interrupt, ≈ 90 bytes) on the checkpoint it ran from. The server
 * stores it and appends two events, `writes_saved` then `interrupted`.
 */
export function interruptPutWritesRequest(
  threadId: string,
  checkpointId: string,
  taskId: string,
): MessageInitShape<typeof PutWritesRequestSchema> {
  return {
    config: { threadId, checkpointNs: "", checkpointId },
    taskId,
    taskPath: "~__pregel_pull, human_review",
    writes: [{ channel: "__interrupt__", value: { type: "json", data: interruptValue } }],
  };
}
