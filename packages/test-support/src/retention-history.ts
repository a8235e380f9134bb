import { create } from "@bufbuild/protobuf";
import {
  PutRequestSchema,
  PutWritesRequestSchema,
  type PutRequest,
  type PutWritesRequest,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

/** The id of step `i` of a retention history: zero-padded, so ids order as steps do. */
export const retentionCheckpointId = (i: number): string => `1f0c0000-0000-6000-8000-${String(i).padStart(12, "0")}`;

const bytes = (tag: string) => new TextEncoder().encode(`${tag}\u0000\u00ff`);
const int = (n: number) => ({ kind: { case: "intValue" as const, value: BigInt(n) } });

/**
 * Step `i` (from 0) of a history whose checkpoints share values, as the
 * sweeper must keep them: channel `a` changes every step, `b` every 10 steps
 * (one value backs up to 10 checkpoints), `c` never (one value backs them
 * all). Each step has one ordinary pending write.
 */
export function retentionStep(threadId: string, checkpointNs: string, i: number): { put: PutRequest; writes: PutWritesRequest } {
  const id = retentionCheckpointId(i);
  const versions = { a: i + 1, b: Math.floor(i / 10) + 1, c: 1 };
  const changed = i === 0 ? ["a", "b", "c"] : i % 10 === 0 ? ["a", "b"] : ["a"];
  const tag = (channel: string) => `${threadId}|${checkpointNs}|${channel}@${versions[channel as keyof typeof versions]}`;
  const put = create(PutRequestSchema, {
    config: { threadId, checkpointNs, checkpointId: i === 0 ? "" : retentionCheckpointId(i - 1) },
    checkpoint: {
      v: 4,
      id,
      ts: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      channelValues: Object.fromEntries(changed.map((c) => [c, { type: "json", data: bytes(tag(c)) }])),
      channelVersions: { a: int(versions.a), b: int(versions.b), c: int(versions.c) },
      versionsSeen: {},
      updatedChannels: changed,
    },
    metadata: { step: i },
    newVersions: Object.fromEntries(changed.map((c) => [c, int(versions[c as keyof typeof versions])])),
  });
  const writes = create(PutWritesRequestSchema, {
    config: { threadId, checkpointNs, checkpointId: id },
    taskId: `task-${i}`,
    taskPath: "",
    writes: [{ channel: "a", value: { type: "json", data: bytes(`write ${threadId} ${i}`) } }],
  });
  return { put, writes };
}
