import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runCheckpointd, type RunningCheckpointd } from "@checkpointd/test-support";
import { Annotation, DeltaChannel, END, START, StateGraph } from "@langchain/langgraph";
import { BaseCheckpointSaver, MemorySaver, type CheckpointTuple } from "@langchain/langgraph-checkpoint";
import type { RunnableConfig } from "@langchain/core/runnables";
import { CheckpointdSaver } from "./checkpointd-saver.js";

/**
 * A graph whose `log` is a DeltaChannel (a snapshot every 3 updates) written by two parallel
 * nodes and a join each turn, and `turn` an ordinary channel.
 */
function buildGraph(checkpointer: BaseCheckpointSaver) {
  const State = Annotation.Root({
    log: new DeltaChannel<string[], string | string[]>((state, writes) => [...state, ...writes.flat()], {
      snapshotFrequency: 3,
      initialValueFactory: () => [],
    }),
    turn: Annotation<number>(),
  });
  return new StateGraph(State)
    .addNode("left", (s: typeof State.State) => ({ log: [`left ${s.turn}`] }))
    .addNode("right", (s: typeof State.State) => ({ log: [`right ${s.turn}`, `right' ${s.turn}`] }))
    .addNode("join", (s: typeof State.State) => ({ log: `join ${s.turn} after ${s.log.length}` }))
    .addEdge(START, "left")
    .addEdge(START, "right")
    .addEdge("left", "join")
    .addEdge("right", "join")
    .addEdge("join", END)
    .compile({ checkpointer });
}

/** Five turns, then a fork from the checkpoint after turn 2 and two more turns on it. */
async function runForkedHistory(checkpointer: BaseCheckpointSaver, threadId: string): Promise<RunnableConfig> {
  const graph = buildGraph(checkpointer);
  const config = { configurable: { thread_id: threadId } };
  for (let turn = 1; turn <= 5; turn++) await graph.invoke({ log: [`user ${turn}`], turn }, config);
  let forkAt: RunnableConfig | undefined;
  for await (const snapshot of graph.getStateHistory(config))
    if (snapshot.values.turn === 2 && snapshot.next.length === 0) forkAt = snapshot.config;
  if (forkAt === undefined) throw new Error("no checkpoint after turn 2");
  let fork: RunnableConfig = forkAt;
  for (let turn = 6; turn <= 7; turn++) {
    await graph.invoke({ log: [`user ${turn} on the fork`], turn }, fork);
    fork = (await graph.getState(config)).config; // the thread's latest: the fork's end
  }
  return fork;
}

describe("CheckpointdSaver.getDeltaChannelHistory", () => {
  let server: RunningCheckpointd;
  let saver: CheckpointdSaver;
  beforeAll(async () => {
    server = await runCheckpointd();
    saver = CheckpointdSaver.fromUrl(`http://${server.address}`);
  });
  afterAll(async () => {
    await saver?.close();
    await server?.stop();
  });

  it("equals the base class's walk at every checkpoint of a forked DeltaChannel thread", async () => {
    await runForkedHistory(saver, "delta-js");
    const tuples: CheckpointTuple[] = [];
    for await (const t of saver.list({ configurable: { thread_id: "delta-js" } })) tuples.push(t);
    expect(tuples.length).toBeGreaterThan(20);
    const channels = ["log", "turn", "never"];
    let seeded = 0;
    for (const t of tuples) {
      const ours = await saver.getDeltaChannelHistory({ config: t.config, channels });
      const base = await BaseCheckpointSaver.prototype.getDeltaChannelHistory.call(saver, { config: t.config, channels });
      expect(ours).toEqual(base);
      if (ours["log"]?.seed !== undefined) seeded++;
    }
    expect(seeded).toBeGreaterThan(0);
    // The latest (no checkpoint_id), an unknown checkpoint and no channels, as the base class answers them.
    const latest = { configurable: { thread_id: "delta-js" } };
    expect(await saver.getDeltaChannelHistory({ config: latest, channels })).toEqual(
      await BaseCheckpointSaver.prototype.getDeltaChannelHistory.call(saver, { config: latest, channels }),
    );
    const unknown = { configurable: { thread_id: "delta-js", checkpoint_id: "nope" } };
    expect(await saver.getDeltaChannelHistory({ config: unknown, channels: ["log"] })).toEqual({ log: { writes: [] } });
    expect(await saver.getDeltaChannelHistory({ config: latest, channels: [] })).toEqual({});
  });

  it("rebuilds the same state as MemorySaver", async () => {
    // A linear thread: on a fork, values of ordinary channels are another matter (integer channel
    // versions of two branches name the same checkpoint_blobs row, and the first branch's value wins).
    const ours = buildGraph(saver);
    const memory = new MemorySaver();
    const theirs = buildGraph(memory);
    const config = { configurable: { thread_id: "delta-js-state" } };
    for (let turn = 1; turn <= 7; turn++) {
      await ours.invoke({ log: [`user ${turn}`], turn }, config);
      await theirs.invoke({ log: [`user ${turn}`], turn }, config);
      const state = await ours.getState(config);
      expect(state.values).toEqual((await theirs.getState(config)).values);
      expect(state.values.log).toHaveLength(5 * turn);
    }
  });
});
