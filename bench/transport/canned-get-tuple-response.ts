import { create, toBinary } from "@bufbuild/protobuf";
import { GetTupleResponseSchema, type GetTupleResponse } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

const encoder = new TextEncoder();

/** Deterministic JSON bytes of roughly `size` bytes, standing in for a LangGraph `dumpsTyped` value. */
function jsonValue(label: string, size: number): Uint8Array {
  const words = ["checkpoint", "agent", "tool_call", "assistant", "observation", "résumé", "thread", "graph"];
  const items: string[] = [];
  let length = 2;
  for (let i = 0; length < size; i++) {
    const item = JSON.stringify({ id: `${label}-${i}`, text: `${words[i % words.length] ?? ""} ${i} of ${label}` });
    items.push(item);
    length += item.length + 1;
  }
  return encoder.encode(`[${items.join(",")}]`);
}

const intVersion = (value: number) => ({ kind: { case: "intValue" as const, value: BigInt(value) } });

/**
 * A realistic GetTuple answer, built once: 5 channel values totalling about
 * 4 KB, a handful of channel versions, metadata and 3 pending writes.
 */
export const cannedGetTupleResponse: GetTupleResponse = create(GetTupleResponseSchema, {
  tuple: {
    config: { threadId: "bench-thread", checkpointNs: "", checkpointId: "1ef8b0c2-5a7d-6f3e-8004-3c1d9e0b7a21" },
    parentConfig: { threadId: "bench-thread", checkpointNs: "", checkpointId: "1ef8b0c2-4f11-6a90-8003-b8e7f6a5d4c3" },
    checkpoint: {
      v: 1,
      id: "1ef8b0c2-5a7d-6f3e-8004-3c1d9e0b7a21",
      ts: "2026-11-23T02:30:00.000000+00:00",
      channelValues: {
        messages: { type: "json", data: jsonValue("messages", 2300) },
        context: { type: "json", data: jsonValue("context", 900) },
        plan: { type: "json", data: jsonValue("plan", 500) },
        scratchpad: { type: "json", data: jsonValue("scratchpad", 250) },
        __start__: { type: "json", data: jsonValue("start", 80) },
      },
      channelVersions: {
        __start__: intVersion(2),
        messages: intVersion(5),
        context: intVersion(4),
        plan: intVersion(3),
        scratchpad: intVersion(5),
        "branch:to:agent": intVersion(4),
      },
      versionsSeen: {
        __input__: { versions: {} },
        __start__: { versions: { __start__: intVersion(1) } },
        agent: { versions: { messages: intVersion(4), "branch:to:agent": intVersion(3) } },
        tools: { versions: { messages: intVersion(3), plan: intVersion(2) } },
      },
      updatedChannels: ["messages", "scratchpad"],
    },
    metadata: {
      source: "loop",
      step: 4,
      parents: {},
      run_id: "9b2f7c1e-0d4a-4e8b-9a61-2f5c8d3e7b10",
      user_id: "user-42",
      tags: ["bench", "stub"],
    },
    pendingWrites: [
      {
        taskId: "task-a",
        channel: "messages",
        value: { type: "json", data: jsonValue("write-a", 120) },
        taskPath: "~__pregel_pull, agent",
      },
      {
        taskId: "task-a",
        channel: "branch:to:tools",
        value: { type: "json", data: encoder.encode("null") },
        taskPath: "~__pregel_pull, agent",
      },
      {
        taskId: "task-b",
        channel: "scratchpad",
        value: { type: "json", data: jsonValue("write-b", 60) },
        taskPath: "~__pregel_pull, tools",
      },
    ],
  },
});

/** Encoded size of the canned response, for the report. */
export const cannedGetTupleResponseBytes: number = toBinary(GetTupleResponseSchema, cannedGetTupleResponse).byteLength;

/** Sum of the 5 channel values' data, for the report. */
export const cannedChannelValueBytes: number = Object.values(cannedGetTupleResponse.tuple?.checkpoint?.channelValues ?? {}).reduce(
  (total, value) => total + value.data.byteLength,
  0,
);
