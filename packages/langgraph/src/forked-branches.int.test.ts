import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runCheckpointd, createDatabase, type RunningCheckpointd } from "@checkpointd/test-support";
import type { RunnableConfig } from "@langchain/core/runnables";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { CheckpointdSaver } from "./checkpointd-saver.js";

const State = Annotation.Root({
  value: Annotation<string>(),
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** START -> prepare -> echo -> END, paused before echo: echo reads `value` from the checkpoint it resumes. */
const buildGraph = (saver: BaseCheckpointSaver) =>
  new StateGraph(State)
    .addNode("prepare", () => ({}))
    .addNode("echo", (state) => ({ log: [`echo ${state.value}`] }))
    .addEdge(START, "prepare")
    .addEdge("prepare", "echo")
    .addEdge("echo", END)
    .compile({ checkpointer: saver, interruptBefore: ["echo"] });

/** The saver as it was before unique versions: LangGraph.js's default integers (1, 2, 3...). */
class IntegerVersionSaver extends CheckpointdSaver {
  override getNextVersion(current: number | undefined): number {
    return BaseCheckpointSaver.prototype.getNextVersion.call(this, current) as number;
  }
}

/**
 * Forks the paused checkpoint twice (time travel: updateState from the same checkpoint, different
 * values), then reads each branch back and resumes it with fresh savers (fresh connections).
 */
async function forkTwice(address: string, base: RunnableConfig): Promise<void> {
  const writer = CheckpointdSaver.fromUrl(address);
  const [a, b] = await (async () => {
    try {
      const graph = buildGraph(writer);
      return [await graph.updateState(base, { value: "A" }, "prepare"), await graph.updateState(base, { value: "B" }, "prepare")];
    } finally {
      await writer.close();
    }
  })();
  const reader = CheckpointdSaver.fromUrl(address);
  try {
    const graph = buildGraph(reader);
    const [stateA, stateB] = [await graph.getState(a), await graph.getState(b)];
    expect([stateA.values.value, stateB.values.value]).toEqual(["A", "B"]);
    expect([stateA.next, stateB.next]).toEqual([["echo"], ["echo"]]);
    const [tupleA, tupleB] = [await reader.getTuple(a), await reader.getTuple(b)];
    const [versionA, versionB] = [tupleA?.checkpoint.channel_versions.value, tupleB?.checkpoint.channel_versions.value];
    expect(typeof versionA).toBe("number");
    expect(versionA).not.toEqual(versionB);
    // echo runs in a new run that reads the branch's checkpoint from the server.
    expect((await graph.invoke(null, a)).log).toEqual(["echo A"]);
    expect((await graph.invoke(null, b)).log).toEqual(["echo B"]);
  } finally {
    await reader.close();
  }
}

describe.each([
  ["PGlite", () => runCheckpointd()],
  ["PostgreSQL", async () => runCheckpointd({ databaseUrl: await createDatabase(process.env.CHECKPOINTD_TEST_DATABASE_URL!) })],
])("two forks of one LangGraph.js checkpoint keep their own values (%s)", (_engine, start) => {
  let server: RunningCheckpointd;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("forks a thread twice from the same checkpoint and reads each branch back", async () => {
    const saver = CheckpointdSaver.fromUrl(server.address);
    try {
      const config = { configurable: { thread_id: "forks" } };
      await buildGraph(saver).invoke({ value: "base" }, config);
      const base = await buildGraph(saver).getState(config);
      expect(base.next).toEqual(["echo"]);
      await forkTwice(server.address, base.config);
    } finally {
      await saver.close();
    }
  });

  it("continues a thread written with integer versions, and forks it", async () => {
    const legacy = new IntegerVersionSaver({ address: server.address });
    const config = { configurable: { thread_id: "integer-versions" } };
    try {
      await buildGraph(legacy).invoke({ value: "base" }, config);
    } finally {
      await legacy.close();
    }
    const saver = CheckpointdSaver.fromUrl(server.address);
    try {
      const graph = buildGraph(saver);
      const base = await graph.getState(config);
      const versions = (await saver.getTuple(config))?.checkpoint.channel_versions ?? {};
      expect(Object.values(versions).every((v) => Number.isInteger(v))).toBe(true);
      await forkTwice(server.address, base.config);
      // The original branch also runs on to its end, with the new versions.
      expect((await graph.invoke(null, base.config)).log).toEqual(["echo base"]);
      const after = (await saver.getTuple(config))?.checkpoint.channel_versions ?? {};
      expect(Number.isInteger(after.log)).toBe(false);
      expect(Number(after.log)).toBeGreaterThan(Math.max(...Object.values(versions).map(Number)));
    } finally {
      await saver.close();
    }
  });
});
