import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "@jest/globals";
import { CheckpointTupleSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { diffCheckpoints } from "./diff-checkpoints.js";
import { diffJson, formatPath } from "./diff-json.js";

const json = (value: unknown) => ({ type: "json", data: new TextEncoder().encode(JSON.stringify(value)) });
const message = (cls: string, id: string, content: string) => ({
  lc: 1,
  type: "constructor",
  id: ["langchain_core", "messages", cls],
  kwargs: { id, content },
});
const tuple = (values: Record<string, unknown>, metadata: Record<string, unknown>) =>
  create(CheckpointTupleSchema, {
    config: { threadId: "t", checkpointNs: "", checkpointId: "c" },
    checkpoint: { channelValues: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, json(v)])) },
    metadata: metadata as never,
  });

describe("diffJson", () => {
  it("reports changes key by key and index by index", () => {
    expect(diffJson({ a: 1, b: [1, 2], c: { d: "x" } }, { a: 2, b: [1, 2, 3], c: {}, e: null })).toEqual([
      { path: ["a"], op: "change", before: 1, after: 2 },
      { path: ["b", 2], op: "add", after: 3 },
      { path: ["c", "d"], op: "remove", before: "x" },
      { path: ["e"], op: "add", after: null },
    ]);
    expect(diffJson([1, 2, 3], [1])).toEqual([
      { path: [1], op: "remove", before: 2 },
      { path: [2], op: "remove", before: 3 },
    ]);
    expect(diffJson({ same: [1, { x: 1 }] }, { same: [1, { x: 1 }] })).toEqual([]);
    expect(
      diffJson(
        Array.from({ length: 1000 }, (_, i) => i),
        [],
        10,
      ),
    ).toHaveLength(10);
    expect(formatPath(["messages", 3, "content"])).toBe(".messages[3].content");
  });
});

describe("diffCheckpoints", () => {
  it("lists channels added, removed and changed, with the messages a step added", () => {
    const a = tuple({ messages: [message("HumanMessage", "h1", "hi")], gone: 1, same: "s", count: 1 }, { step: 1 });
    const b = tuple(
      { messages: [message("HumanMessage", "h1", "hi"), message("AIMessage", "a1", "hello")], same: "s", count: 2, fresh: true },
      { step: 2, source: "loop" },
    );
    const diff = diffCheckpoints(a, b);
    expect(diff.added.map((x) => x.channel)).toEqual(["fresh"]);
    expect(diff.removed.map((x) => x.channel)).toEqual(["gone"]);
    expect(diff.unchanged).toEqual(["same"]);
    expect(diff.changed.map((c) => c.channel)).toEqual(["count", "messages"]);
    expect(diff.changed[0]!.changes).toEqual([{ path: [], op: "change", before: 1, after: 2 }]);
    expect(diff.changed[1]!.addedMessages).toEqual([{ role: "ai", content: "hello", id: "a1", toolCalls: [] }]);
    expect(diff.changed[1]!.removedMessages).toEqual([]);
    expect(diff.metadata).toEqual([
      { path: ["step"], op: "change", before: 1, after: 2 },
      { path: ["source"], op: "add", after: "loop" },
    ]);
  });
});
