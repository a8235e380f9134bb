import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

export const CounterState = Annotation.Root({
  count: Annotation<number>({ reducer: (_, b) => b, default: () => 0 }),
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/**
 * A graph of `steps` slow steps (one node looping on itself), each a
 * checkpoint: a worker killed mid-run leaves the thread part-way, and
 * invoke(null) on the thread goes on from its last checkpoint.
 */
export function buildCounterGraph(
  checkpointer: BaseCheckpointSaver,
  worker: string,
  steps: number,
  stepMs: number,
  onStep?: (n: number) => void,
) {
  return new StateGraph(CounterState)
    .addNode("work", async (state) => {
      await new Promise((resolve) => setTimeout(resolve, stepMs));
      const n = state.count + 1;
      onStep?.(n);
      return { count: n, log: [`${worker}:${n}`] };
    })
    .addEdge(START, "work")
    .addConditionalEdges("work", (state) => (state.count < steps ? "work" : END))
    .compile({ checkpointer });
}
