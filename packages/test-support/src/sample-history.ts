import { create, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import {
  CheckpointTupleSchema,
  type ChannelVersionSchema,
  type CheckpointTuple,
  type PendingWriteSchema,
  type TypedValueSchema,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import {
  PutRequestSchema,
  PutWritesRequestSchema,
  type PutRequest,
  type PutWritesRequest,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

export interface SampleStep {
  put: PutRequest;
  writes: PutWritesRequest[];
  /** What GetTuple must return for this checkpoint once its writes are saved. */
  expected: CheckpointTuple;
}

type VersionInit = MessageInitShape<typeof ChannelVersionSchema>;
const int = (value: bigint): VersionInit => ({
  kind: { case: "intValue", value },
});
const str = (value: string): VersionInit => ({ kind: { case: "stringValue", value } });
const float = (value: number): VersionInit => ({ kind: { case: "floatValue", value } });

const specialIdx: Record<string, number> = { __error__: -1, __scheduled__: -2, __interrupt__: -3, __resume__: -4 };
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Bytes that no text codec would keep: NUL, 0xff, invalid UTF-8. */
function bytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed * 31 + i * 17) % 256;
  out[0] = 0x00;
  if (length > 1) out[1] = 0xff;
  return out;
}
const value = (type: string, seed: number, length = 64): MessageInitShape<typeof TypedValueSchema> => ({
  type,
  data: bytes(seed, length),
});

/**
 * A 3-step history in one thread and namespace, with everything LangGraph
 * Python and JS put in a checkpoint: integer, float and zero-padded string
 * versions, versions_seen, updated_channels, pending_sends, an extension
 * key, nested metadata, and pending writes with special channels and task_path.
 */
export function sampleHistory(threadId: string, checkpointNs = "parent:1|child:2"): SampleStep[] {
  const ids = ["1f0a0000-0000-6000-8000-000000000001", "1f0a0000-0000-6000-8000-000000000002", "1f0a0000-0000-6000-8000-000000000003"];
  const pyVersion = (n: number) => `${String(n).padStart(32, "0")}.0.${n}2345678901234`;
  const values = [
    { messages: value("json", 1), counter: value("msgpack", 2, 8), py: value("msgpack", 3, 16) },
    { messages: value("json", 4, 128), counter: value("msgpack", 2, 8), py: value("msgpack", 3, 16) },
    { messages: value("json", 4, 128), counter: value("msgpack", 5, 8), py: value("msgpack", 6, 16), f: value("bytes", 7, 3) },
  ];
  const versions = [
    { messages: int(1n), counter: int(1n), py: str(pyVersion(1)), "branch:to:agent": int(1n) },
    { messages: int(2n), counter: int(1n), py: str(pyVersion(1)), "branch:to:agent": int(1n) },
    { messages: int(2n), counter: int(3n), py: str(pyVersion(3)), "branch:to:agent": int(1n), f: float(1.5) },
  ];
  const newVersions = [versions[0]!, { messages: int(2n) }, { counter: int(3n), py: str(pyVersion(3)), f: float(1.5) }];
  const metadata: JsonObject[] = [
    { source: "input", step: -1, run_id: "run-1", parents: {}, writes: { __start__: { messages: [{ role: "user", content: "hi" }] } } },
    { source: "loop", step: 0, run_id: "run-1", parents: { "": "root" }, writes: null, tags: ["a", "b"], score: 0.5 },
    { source: "loop", step: 1, run_id: "run-2", parents: {}, writes: { agent: { ok: true, n: [1, 2.5, "x", null] } } },
  ];
  const writes: PutWritesRequest[][] = [
    [],
    [
      create(PutWritesRequestSchema, {
        taskId: "task-a",
        taskPath: "~__pregel_pull, agent",
        writes: [
          { channel: "messages", value: value("json", 10) },
          { channel: "counter", value: value("msgpack", 11, 4) },
          { channel: "__interrupt__", value: value("msgpack", 12, 32) },
        ],
      }),
      create(PutWritesRequestSchema, {
        taskId: "task-b",
        taskPath: "~__pregel_push, 0, False",
        writes: [{ channel: "__error__", value: value("msgpack", 13, 24) }],
      }),
    ],
    [create(PutWritesRequestSchema, { taskId: "task-c", taskPath: "", writes: [{ channel: "__resume__", value: value("json", 14) }] })],
  ];

  return ids.map((id, i) => {
    const config = { threadId, checkpointNs, checkpointId: i === 0 ? "" : ids[i - 1]! };
    const checkpoint = {
      v: 4,
      id,
      ts: `2026-11-23T00:00:0${i}.000000+00:00`,
      channelValues: values[i]!,
      channelVersions: versions[i]!,
      versionsSeen: { __input__: { versions: {} }, agent: { versions: { messages: int(BigInt(i + 1)), py: str(pyVersion(1)) } } },
      updatedChannels: i === 0 ? [] : Object.keys(newVersions[i]!),
      pendingSends: i === 1 ? [value("msgpack", 20, 10)] : [],
      extra: i === 2 ? { future_field: value("json", 21, 5) } : {},
    };
    const stepWrites = writes[i]!.map((w) =>
      create(PutWritesRequestSchema, {
        taskId: w.taskId,
        taskPath: w.taskPath,
        writes: w.writes,
        config: { threadId, checkpointNs, checkpointId: id },
      }),
    );
    // Returned ordered by task_path, task_id, then idx (special channels have negative idx).
    const pendingWrites: MessageInitShape<typeof PendingWriteSchema>[] = stepWrites
      .flatMap((w) => w.writes.map((pw, position) => ({ w, pw, idx: specialIdx[pw.channel] ?? position })))
      .sort((a, b) => cmp(a.w.taskPath, b.w.taskPath) || cmp(a.w.taskId, b.w.taskId) || a.idx - b.idx)
      .map(({ w, pw }) => ({ taskId: w.taskId, channel: pw.channel, value: pw.value!, taskPath: w.taskPath }));
    return {
      put: create(PutRequestSchema, { config, checkpoint, metadata: metadata[i]!, newVersions: newVersions[i]! }),
      writes: stepWrites,
      expected: create(CheckpointTupleSchema, {
        config: { threadId, checkpointNs, checkpointId: id },
        checkpoint,
        metadata: metadata[i]!,
        ...(i === 0 ? {} : { parentConfig: { threadId, checkpointNs, checkpointId: ids[i - 1]! } }),
        pendingWrites,
      }),
    };
  });
}
