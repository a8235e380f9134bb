import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

const State = Annotation.Root({
  step: Annotation<number>({ reducer: (_, b) => b, default: () => 0 }),
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** A slow job of `steps` steps, a checkpoint after each: what a worker dying mid-run leaves half done. */
export function buildJobGraph(checkpointer: BaseCheckpointSaver, worker: string, steps: number) {
  return new StateGraph(State)
    .addNode("work", async (state) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const step = state.step + 1;
      console.log(`[${worker}] step ${step}/${steps}`);
      return { step, log: [`${worker} did step ${step}`] };
    })
    .addEdge(START, "work")
    .addConditionalEdges("work", (state) => (state.step < steps ? "work" : END))
    .compile({ checkpointer });
}
