import { Annotation, END, START, StateGraph, interrupt } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

export const ApprovalState = Annotation.Root({
  request: Annotation<string>(),
  /** Steps the graph went through, in order. */
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  approved: Annotation<string | undefined>(),
});

/** draft -> approve (interrupt(): a human answers) -> publish. */
export function buildApprovalGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(ApprovalState)
    .addNode("draft", (state) => ({ log: [`drafted ${state.request}`] }))
    .addNode("approve", (state) => {
      const answer = interrupt<{ question: string }, string>({ question: `approve "${state.request}"?` });
      return { approved: answer, log: [`approval: ${answer}`] };
    })
    .addNode("publish", (state) => ({ log: [`published ${state.request} (${state.approved ?? "?"})`] }))
    .addEdge(START, "draft")
    .addEdge("draft", "approve")
    .addEdge("approve", "publish")
    .addEdge("publish", END)
    .compile({ checkpointer });
}
