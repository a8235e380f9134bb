import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runCheckpointd, type RunningCheckpointd } from "@checkpointd/test-support";
import { Annotation, Command, END, START, StateGraph, interrupt } from "@langchain/langgraph";
import { uuid6, type Checkpoint } from "@langchain/langgraph-checkpoint";
import { CheckpointdSaver } from "./checkpointd-saver.js";
import { buildChatGraph } from "@checkpointd/test-support/langgraph";

describe("CheckpointdSaver against a real checkpointd", () => {
  let server: RunningCheckpointd;
  beforeAll(async () => {
    server = await runCheckpointd();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("round-trips a checkpoint losslessly: version types, versions_seen, unmodelled keys, metadata", async () => {
    const saver = CheckpointdSaver.fromUrl(`http://${server.address}`);
    try {
      const checkpoint = {
        v: 4,
        id: uuid6(-1),
        ts: new Date().toISOString(),
        channel_values: { ints: [1, 2, 3], text: "héllo \u0000 wörld", nested: { a: { b: [null, true, 1.5] } }, empty: "" },
        channel_versions: { ints: 7, text: 2.5, nested: "00000000000000000000000000000003.0.123", empty: 1 },
        versions_seen: { agent: { ints: 6, text: 1.25 }, "": { nested: "00000000000000000000000000000002.0.5" } },
        updated_channels: ["ints", "text"],
        pending_sends: [],
        custom_extension: { any: ["thing", 1] },
      } as unknown as Checkpoint;
      const metadata = { source: "loop" as const, step: 3, parents: { "": "p" }, run_id: "r-1", score: 0.5, tags: ["a"], nothing: null };
      const config = await saver.put({ configurable: { thread_id: "lossless" } }, checkpoint, metadata, checkpoint.channel_versions);
      expect(config).toEqual({ configurable: { thread_id: "lossless", checkpoint_ns: "", checkpoint_id: checkpoint.id } });
      const tuple = await saver.getTuple(config);
      expect(tuple?.checkpoint).toEqual(checkpoint);
      expect(typeof tuple?.checkpoint.channel_versions.ints).toBe("number");
      expect(typeof tuple?.checkpoint.channel_versions.nested).toBe("string");
      expect(tuple?.checkpoint.versions_seen.agent?.ints).toBe(6);
      expect(tuple?.metadata).toEqual(metadata);

      // Writes keep their task path order and special channels.
      await saver.putWrites(
        config,
        [
          ["ints", [4]],
          ["__interrupt__", [{ value: "ok?" }]],
        ],
        "task-b",
        "~a",
      );
      await saver.putWrites(config, [["ints", [5]]], "task-a", "~b");
      const withWrites = await saver.getTuple({ configurable: { thread_id: "lossless" } });
      expect(withWrites?.pendingWrites).toEqual([
        ["task-b", "__interrupt__", [{ value: "ok?" }]],
        ["task-b", "ints", [4]],
        ["task-a", "ints", [5]],
      ]);
      const listed = [];
      for await (const t of saver.list({ configurable: { thread_id: "lossless" } }, { filter: { run_id: "r-1" } })) listed.push(t);
      expect(listed.map((t) => t.checkpoint.id)).toEqual([checkpoint.id]);

      await saver.copyThread("lossless", "lossless-copy");
      expect((await saver.getTuple({ configurable: { thread_id: "lossless-copy" } }))?.checkpoint).toEqual(checkpoint);
      expect(await saver.deleteForRuns(["r-1"])).toBe(2);
      expect(await saver.getTuple({ configurable: { thread_id: "lossless" } })).toBeUndefined();
    } finally {
      await saver.close();
    }
  });

  it("keeps a conversation across savers (multi-turn memory) and time-travels: history and forks", async () => {
    const config = { configurable: { thread_id: "chat-1" } };
    const first = CheckpointdSaver.fromUrl(server.address);
    await buildChatGraph(first).invoke({ messages: ["my name is Chulsoo"] }, config);
    await first.close();

    // A new saver (a new connection, as a new process would have) sees turn 1.
    const second = CheckpointdSaver.fromUrl(server.address);
    try {
      const graph = buildChatGraph(second);
      const turn2 = await graph.invoke({ messages: ["what is my name?"] }, config);
      expect(turn2.messages).toEqual(["my name is Chulsoo", "noted: my name is Chulsoo", "what is my name?", "your name is Chulsoo"]);

      const history = [];
      for await (const snapshot of graph.getStateHistory(config)) history.push(snapshot);
      // Each turn: the input checkpoint, the one after START, the one after "reply".
      expect(history.map((s) => [s.metadata?.source, s.metadata?.step])).toEqual([
        ["loop", 4],
        ["loop", 3],
        ["input", 2],
        ["loop", 1],
        ["loop", 0],
        ["input", -1],
      ]);
      expect(history[0]?.values.messages).toHaveLength(4);

      // Fork from the end of turn 1.
      const endOfTurn1 = history.find((s) => s.values.messages?.length === 2 && s.next.length === 0)!;
      expect(endOfTurn1).toBeDefined();
      const forked = await graph.invoke({ messages: ["what is my name? (fork)"] }, endOfTurn1.config);
      expect(forked.messages).toEqual([
        "my name is Chulsoo",
        "noted: my name is Chulsoo",
        "what is my name? (fork)",
        "your name is Chulsoo",
      ]);

      const after = [];
      for await (const snapshot of graph.getStateHistory(config)) after.push(snapshot);
      expect(after).toHaveLength(9);
      const ids = new Set(after.map((s) => s.config.configurable?.checkpoint_id));
      expect(ids.has(history[0]!.config.configurable?.checkpoint_id)).toBe(true);
      // The fork's first checkpoint has the end of turn 1 as its parent, as turn 2's does.
      const children = after.filter((s) => s.parentConfig?.configurable?.checkpoint_id === endOfTurn1.config.configurable?.checkpoint_id);
      expect(children).toHaveLength(2);
      expect((await graph.getState(config)).values.messages.at(-1)).toBe("your name is Chulsoo");
    } finally {
      await second.close();
    }
  });

  it("interrupts, and resumes with a Command through another saver", async () => {
    const Approval = Annotation.Root({
      request: Annotation<string>(),
      approved: Annotation<string | undefined>(),
    });
    const build = (saver: CheckpointdSaver) =>
      new StateGraph(Approval)
        .addNode("approve", (state) => ({ approved: interrupt<{ question: string }, string>({ question: `approve ${state.request}?` }) }))
        .addEdge(START, "approve")
        .addEdge("approve", END)
        .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "approval-1" } };
    const worker1 = CheckpointdSaver.fromUrl(server.address);
    const interrupted = await build(worker1).invoke({ request: "deploy" }, config);
    expect(interrupted.__interrupt__?.[0]?.value).toEqual({ question: "approve deploy?" });
    await worker1.close();

    const worker2 = CheckpointdSaver.fromUrl(server.address);
    try {
      const done = await build(worker2).invoke(new Command({ resume: "yes, ship it" }), config);
      expect(done.approved).toBe("yes, ship it");
    } finally {
      await worker2.close();
    }
  });
});
