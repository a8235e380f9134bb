import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { ChannelVersionSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { cannedGetTupleResponse } from "../transport/canned-get-tuple-response.js";
import { benchHistory } from "./bench-history.js";

type VersionInit = MessageInitShape<typeof ChannelVersionSchema>;
const intVersion = (value: number): VersionInit => ({ kind: { case: "intValue", value: BigInt(value) } });

/**
 * Writes the hot thread through the server's own Put and PutWrites: 100
 * checkpoints, each carrying the transport stub's canned tuple (the same 5
 * channel values, ≈ 4 KB, the same versions_seen, metadata and 3 pending
 * writes), so that GetTuple of the latest returns what the stub returns, in
 * size and shape. Step i stores a new version of `scratchpad` (and of
 * `messages` every 10 steps), as a growing agent thread would.
 */
export async function seedHotThread(port: number): Promise<void> {
  const canned = cannedGetTupleResponse.tuple;
  const checkpoint = canned?.checkpoint;
  if (canned === undefined || checkpoint === undefined) throw new Error("canned tuple has no checkpoint");
  const client = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
  const threadId = benchHistory.hotThreadId;
  for (let step = 0; step < benchHistory.checkpointsPerThread; step++) {
    const id = benchHistory.checkpointId(step);
    const versions: Record<string, VersionInit> = {
      __start__: intVersion(1),
      messages: intVersion(1 + Math.floor(step / 10)),
      context: intVersion(1),
      plan: intVersion(1),
      scratchpad: intVersion(1 + step),
      "branch:to:agent": intVersion(1),
    };
    const newVersions: Record<string, VersionInit> =
      step === 0 ? versions : { scratchpad: intVersion(1 + step), ...(step % 10 === 0 ? { messages: intVersion(1 + step / 10) } : {}) };
    const metadata: JsonObject = { ...canned.metadata, step };
    await client.put(
      {
        config: { threadId, checkpointNs: "", checkpointId: step === 0 ? "" : benchHistory.checkpointId(step - 1) },
        checkpoint: {
          v: checkpoint.v,
          id,
          ts: checkpoint.ts,
          channelValues: checkpoint.channelValues,
          channelVersions: versions,
          versionsSeen: checkpoint.versionsSeen,
          updatedChannels: checkpoint.updatedChannels,
        },
        metadata,
        newVersions,
      },
      { timeoutMs: 10_000 },
    );
    const byTask = new Map<string, typeof canned.pendingWrites>();
    for (const write of canned.pendingWrites) byTask.set(write.taskId, [...(byTask.get(write.taskId) ?? []), write]);
    for (const [taskId, writes] of byTask) {
      await client.putWrites(
        { config: { threadId, checkpointNs: "", checkpointId: id }, taskId, taskPath: writes[0]?.taskPath ?? "", writes },
        { timeoutMs: 10_000 },
      );
    }
  }
}
