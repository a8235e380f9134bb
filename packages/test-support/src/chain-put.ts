import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PutRequestSchema, PutWritesRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

/** A time-ordered checkpoint id for step n (ids compare like the steps). */
export const chainCheckpointId = (n: number): string => `1f0c0000-0000-6000-8000-${String(n).padStart(12, "0")}`;

/** A small Put of checkpoint `id` on top of `parentId` (undefined: the thread's first), one channel. */
export function chainPut(
  threadId: string,
  id: string,
  parentId: string | undefined,
  fencingToken = 0n,
): MessageInitShape<typeof PutRequestSchema> {
  return {
    config: { threadId, checkpointNs: "", checkpointId: parentId ?? "" },
    checkpoint: {
      v: 4,
      id,
      ts: new Date().toISOString(),
      channelValues: { step: { type: "json", data: new TextEncoder().encode(JSON.stringify(id)) } },
      channelVersions: { step: { kind: { case: "stringValue", value: id } } },
    },
    metadata: { source: "loop" },
    newVersions: { step: { kind: { case: "stringValue", value: id } } },
    fencingToken,
  };
}

/** One ordinary write of task `taskId` against checkpoint `checkpointId`. */
export function chainWrites(
  threadId: string,
  checkpointId: string,
  taskId: string,
  fencingToken = 0n,
): MessageInitShape<typeof PutWritesRequestSchema> {
  return {
    config: { threadId, checkpointNs: "", checkpointId },
    taskId,
    writes: [{ channel: "out", value: { type: "json", data: new TextEncoder().encode(`"${taskId}"`) } }],
    fencingToken,
  };
}
