import type { CheckpointTuple } from "@checkpointd/server";

/**
 * A small domain tuple for tests of the cache layer: one channel of `valueBytes`
 * bytes, one pending write, metadata step 1.
 */
export function sampleTuple(threadId: string, checkpointId: string, valueBytes = 16): CheckpointTuple {
  return {
    key: { threadId, checkpointNs: "", checkpointId },
    checkpoint: {
      v: 4,
      id: checkpointId,
      ts: "2026-11-23T00:00:00Z",
      channelValues: { a: { type: "bytes", data: new Uint8Array(valueBytes).fill(1) } },
      channelVersions: { a: 1n },
      versionsSeen: {},
      updatedChannels: [],
      pendingSends: [],
      extra: {},
    },
    metadata: { step: 1 },
    parentCheckpointId: undefined,
    pendingWrites: [{ taskId: "t", channel: "c", value: { type: "json", data: new Uint8Array([1]) }, taskPath: "" }],
  };
}
