import { Annotation, END, START, StateGraph, interrupt } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

export const ReleaseState = Annotation.Root({
  version: Annotation<string>(),
  notes: Annotation<string>(),
  /** What the approver answered. */
  decision: Annotation<string>(),
  /** Every step the agent took, in order. */
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/**
 * write_notes -> approval (interrupt(): a human decides) -> publish | shelve.
 * The checkpointer is the only line that knows about checkpointd.
 */
export function buildReleaseGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(ReleaseState)
    .addNode("write_notes", (state) => ({
      notes: `Release ${state.version}: faster List, safer resumes.`,
      log: [`wrote notes for ${state.version}`],
    }))
    .addNode("approval", (state) => {
      // Pauses the run: the checkpoint is saved and the question is published to watchers.
      const decision = interrupt<{ question: string; notes: string }, string>({
        question: `Publish ${state.version}? (yes/no)`,
        notes: state.notes,
      });
      return { decision, log: [`approver said "${decision}"`] };
    })
    .addNode("publish", (state) => ({ log: [`published ${state.version}`] }))
    .addNode("shelve", (state) => ({ log: [`shelved ${state.version}`] }))
    .addEdge(START, "write_notes")
    .addEdge("write_notes", "approval")
    .addConditionalEdges("approval", (state) => (/^y(es)?$/i.test(state.decision.trim()) ? "publish" : "shelve"), ["publish", "shelve"])
    .addEdge("publish", END)
    .addEdge("shelve", END)
    .compile({ checkpointer });
}
