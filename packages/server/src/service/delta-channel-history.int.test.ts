import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ChannelVersionSchema, PendingWrite, TypedValue } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import type { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { startTestServer, testEngines, type TestServer } from "@checkpointd/test-support/server";
import type { Client } from "@connectrpc/connect";
import { sql } from "kysely";

const text = (s: string): TypedValue => ({ type: "json", data: new TextEncoder().encode(s) }) as TypedValue;
const int = (n: number): MessageInitShape<typeof ChannelVersionSchema> => ({ kind: { case: "intValue", value: BigInt(n) } });

interface Step {
  id: string;
  parent: string;
  /** Channels stored at this checkpoint (value = its text); `null`: a new version without a value. */
  values: Record<string, string | null>;
  /** Task writes against this checkpoint, sent task by task in this order. */
  tasks: Array<{ taskId: string; taskPath: string; writes: Array<[string, string]> }>;
}

/**
 * A forked history: 1 → 2 → 3 → 4a, and 3 → 4b → 5b. Channel a is a delta channel: stored at the
 * root only, every later step gives it a new version without a value (as DeltaChannel does), so
 * the walk goes back to the root. c is stored at 2, and 3 references that value by version; 4b
 * gives it a version without a value. b is never stored.
 * Tasks are sent in an order that is neither their path's nor their id's.
 */
const steps: Step[] = [
  { id: "c1", parent: "", values: { a: "a@1", c: "c@1" }, tasks: [{ taskId: "t-in", taskPath: "", writes: [["a", "a-input"]] }] },
  {
    id: "c2",
    parent: "c1",
    values: { a: null, c: "c@2" },
    tasks: [
      {
        taskId: "t-9",
        taskPath: "~__pregel_pull, z",
        writes: [
          ["a", "a-z1"],
          ["b", "b-z"],
          ["a", "a-z2"],
        ],
      },
      {
        taskId: "t-1",
        taskPath: "~__pregel_pull, m",
        writes: [
          ["a", "a-m"],
          ["c", "c-m"],
        ],
      },
      { taskId: "t-5", taskPath: "~__pregel_pull, m", writes: [["a", "a-m5"]] },
    ],
  },
  {
    id: "c3",
    parent: "c2",
    values: { a: null },
    tasks: [
      {
        taskId: "t-2",
        taskPath: "~__pregel_push, 0",
        writes: [
          ["a", "a@3"],
          ["c", "c@3"],
        ],
      },
    ],
  },
  { id: "c4a", parent: "c3", values: { a: null }, tasks: [{ taskId: "t-3", taskPath: "p", writes: [["a", "a-off-path"]] }] },
  {
    id: "c4b",
    parent: "c3",
    values: { a: null, c: null },
    tasks: [
      {
        taskId: "t-4",
        taskPath: "p",
        writes: [
          ["a", "a@4b"],
          ["c", "c@4b"],
        ],
      },
    ],
  },
  { id: "c5b", parent: "c4b", values: { a: null }, tasks: [{ taskId: "t-6", taskPath: "p", writes: [["a", "a-pending"]] }] },
];

type Raw = Client<typeof CheckpointService>;
interface History {
  writes: Array<[string, string, string]>;
  seed?: string;
}

/** What BaseCheckpointSaver's default walk computes, over GetTuple (one round trip per ancestor). */
async function baseWalk(client: Raw, threadId: string, checkpointId: string, channels: string[]): Promise<Record<string, History>> {
  const collected: Record<string, Array<[string, string, string]>> = {};
  const seeds: Record<string, string> = {};
  const remaining = new Set(channels);
  for (const ch of channels) collected[ch] = [];
  let cursor = (await client.getTuple({ config: { threadId, checkpointId } })).tuple?.parentConfig?.checkpointId;
  while (cursor !== undefined && cursor !== "" && remaining.size > 0) {
    const tuple = (await client.getTuple({ config: { threadId, checkpointId: cursor } })).tuple;
    if (tuple === undefined) break;
    const block: Record<string, PendingWrite[]> = {};
    for (const w of tuple.pendingWrites) if (remaining.has(w.channel)) (block[w.channel] ??= []).push(w);
    for (const [ch, ws] of Object.entries(block))
      for (const w of [...ws].reverse()) collected[ch]!.push([w.taskId, w.channel, new TextDecoder().decode(w.value!.data)]);
    for (const ch of [...remaining]) {
      const value = tuple.checkpoint!.channelValues[ch];
      if (value !== undefined) {
        seeds[ch] = new TextDecoder().decode(value.data);
        remaining.delete(ch);
      }
    }
    cursor = tuple.parentConfig?.checkpointId;
  }
  const out: Record<string, History> = {};
  for (const ch of channels) out[ch] = { writes: [...collected[ch]!].reverse(), ...(ch in seeds ? { seed: seeds[ch] } : {}) };
  return out;
}

async function viaRpc(client: Raw, threadId: string, checkpointId: string, channels: string[]): Promise<Record<string, History>> {
  const { histories } = await client.getDeltaChannelHistory({ config: { threadId, checkpointId }, channels });
  const out: Record<string, History> = {};
  for (const [ch, h] of Object.entries(histories)) {
    const writes = h.writes.map((w): [string, string, string] => [w.taskId, w.channel, new TextDecoder().decode(w.value!.data)]);
    out[ch] = { writes, ...(h.seed === undefined ? {} : { seed: new TextDecoder().decode(h.seed.data) }) };
  }
  return out;
}

async function saveSteps(client: Raw, threadId: string, pad = "") {
  const version: Record<string, number> = {};
  for (const step of steps) {
    const newVersions: Record<string, MessageInitShape<typeof ChannelVersionSchema>> = {};
    const channelValues: Record<string, TypedValue> = {};
    for (const [ch, value] of Object.entries(step.values)) {
      version[ch] = (version[ch] ?? 0) + 1;
      newVersions[ch] = int(version[ch]!);
      if (value !== null) channelValues[ch] = text(value + pad);
    }
    const channelVersions = Object.fromEntries(Object.entries(version).map(([ch, v]) => [ch, int(v)]));
    await client.put({
      config: { threadId, checkpointId: step.parent },
      checkpoint: { v: 4, id: step.id, ts: "2026-01-01T00:00:00Z", channelValues, channelVersions },
      newVersions,
    });
    for (const task of step.tasks)
      await client.putWrites({
        config: { threadId, checkpointId: step.id },
        taskId: task.taskId,
        taskPath: task.taskPath,
        writes: task.writes.map(([channel, value]) => ({ channel, value: text(value + pad) })),
      });
  }
}

describe.each(testEngines)("GetDeltaChannelHistory on %s", (engine) => {
  let server: TestServer;
  const threadId = "delta-thread";
  const channels = ["a", "b", "c", "zz"];

  beforeAll(async () => {
    server = await startTestServer(engine);
    await saveSteps(server.client, threadId);
  });
  afterAll(async () => {
    await server.close();
  });

  it("equals the base class's walk at every checkpoint of a forked history", async () => {
    for (const step of steps) {
      const expected = await baseWalk(server.client, threadId, step.id, channels);
      expect(await viaRpc(server.client, threadId, step.id, channels)).toEqual(expected);
    }
  });

  it("equals the base walk when seeds and writes are large enough to be stored as chunks", async () => {
    // 20 KB of varied text after each value: past the chunking threshold, several chunks each.
    const pad = Array.from({ length: 2_500 }, (_, i) => `w${(i * 7919) % 1000}`).join(" ");
    await saveSteps(server.client, "delta-chunked", ` ${pad}`);
    const [chunks] = (await sql<{ n: string }>`select count(*) as n from value_chunks where thread_id = 'delta-chunked'`.execute(server.db))
      .rows;
    expect(Number(chunks?.n)).toBeGreaterThan(10);
    for (const step of steps) {
      const expected = await baseWalk(server.client, "delta-chunked", step.id, channels);
      expect(await viaRpc(server.client, "delta-chunked", step.id, channels)).toEqual(expected);
    }
  });

  it("follows the parent chain, orders by (task_path, task_id, idx) and stops at the seed", async () => {
    const history = await viaRpc(server.client, threadId, "c5b", channels);
    expect(history["a"]).toEqual({
      seed: "a@1",
      writes: [
        ["t-in", "a", "a-input"], // the seed's own checkpoint's writes count
        ["t-1", "a", "a-m"],
        ["t-5", "a", "a-m5"],
        ["t-9", "a", "a-z1"],
        ["t-9", "a", "a-z2"],
        ["t-2", "a", "a@3"],
        ["t-4", "a", "a@4b"], // 4a's write is off the path; 5b's own is pending
      ],
    });
    expect(history["b"]).toEqual({ writes: [["t-9", "b", "b-z"]] }); // no stored value: no seed
    // c has no value at 4b; 3 references the value stored at 2: the walk for c stops at 3.
    expect(history["c"]).toEqual({
      seed: "c@2",
      writes: [
        ["t-2", "c", "c@3"],
        ["t-4", "c", "c@4b"],
      ],
    });
    expect(history["zz"]).toEqual({ writes: [] });
  });

  it("reads the latest without checkpoint_id, and nothing for an unknown checkpoint", async () => {
    expect(await viaRpc(server.client, threadId, "", ["a"])).toEqual(await viaRpc(server.client, threadId, "c5b", ["a"]));
    expect(await viaRpc(server.client, threadId, "nope", ["a", "b"])).toEqual({ a: { writes: [] }, b: { writes: [] } });
    expect(await viaRpc(server.client, "no-thread", "", ["a"])).toEqual({ a: { writes: [] } });
    expect(await viaRpc(server.client, threadId, "c5b", [])).toEqual({});
    expect(await viaRpc(server.client, threadId, "c5b", ["b", "b"])).toEqual({ b: { writes: [["t-9", "b", "b-z"]] } });
    // Another namespace is another chain.
    const { histories } = await server.client.getDeltaChannelHistory({
      config: { threadId, checkpointNs: "x", checkpointId: "c5b" },
      channels: ["a"],
    });
    expect(histories["a"]?.writes).toEqual([]);
  });

  it("refuses bad input with the field named", async () => {
    const refusal = async (request: Parameters<Raw["getDeltaChannelHistory"]>[0]) => {
      const error = await server.client.getDeltaChannelHistory(request).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnectError);
      return [(error as ConnectError).code, (error as ConnectError).rawMessage];
    };
    expect(await refusal({ channels: ["a"] })).toEqual([Code.InvalidArgument, "config.thread_id is required"]);
    expect(await refusal({ config: { threadId }, channels: ["a", ""] })).toEqual([Code.InvalidArgument, "channels[1] is required"]);
    const many = Array.from({ length: 1001 }, (_, i) => `ch${i}`);
    expect(await refusal({ config: { threadId }, channels: many })).toEqual([
      Code.InvalidArgument,
      "channels has 1001 names; at most 1000",
    ]);
  });

  it("refuses a cycle of parents instead of walking forever", async () => {
    // Two checkpoints that name each other as parent (a Put may set any parent id).
    await server.client.put({ config: { threadId: "cycle", checkpointId: "y" }, checkpoint: { v: 4, id: "x", ts: "" } });
    await server.client.put({ config: { threadId: "cycle", checkpointId: "x" }, checkpoint: { v: 4, id: "y", ts: "" } });
    const error = await server.client.getDeltaChannelHistory({ config: { threadId: "cycle", checkpointId: "x" }, channels: ["a"] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((error as ConnectError).rawMessage).toMatch(/parent chain .* longer than 100000 checkpoints \(or its parents form a cycle\)/);
  }, 60_000);

  it("walks with primary-key lookups: one index step per ancestor", async () => {
    const { rows } = await sql<{ "QUERY PLAN": string }>`explain
      with recursive chain as (
        select checkpoint_id, parent_checkpoint_id from checkpoints
        where tenant = 'default' and thread_id = ${threadId} and checkpoint_ns = '' and checkpoint_id = 'c5b'
        union all
        select p.checkpoint_id, p.parent_checkpoint_id from chain r join checkpoints p
          on p.tenant = 'default' and p.thread_id = ${threadId} and p.checkpoint_ns = '' and p.checkpoint_id = r.parent_checkpoint_id
      ) select * from chain`.execute(server.db);
    expect(rows.map((r) => r["QUERY PLAN"]).join("\n")).toMatch(/Index Scan using checkpoints_pkey/);
  });
});
