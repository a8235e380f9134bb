import { AIMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph, interrupt } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

/** draft (an AI reply) -> review (interrupt(): a human approves or edits) -> send. Real LangChain messages in state. */
export function buildReviewGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(MessagesAnnotation)
    .addNode("draft", (state) => {
      const last = state.messages.at(-1);
      return { messages: [new AIMessage({ id: "draft", content: `Draft reply to: ${String(last?.content ?? "")}` })] };
    })
    .addNode("review", () => {
      const answer = interrupt<{ question: string }, string>({ question: "Send the draft reply?" });
      return { messages: [new AIMessage({ id: "review", content: `Reviewer said: ${answer}` })] };
    })
    .addNode("send", () => ({ messages: [new AIMessage({ id: "sent", content: "Reply sent." })] }))
    .addEdge(START, "draft")
    .addEdge("draft", "review")
    .addEdge("review", "send")
    .addEdge("send", END)
    .compile({ checkpointer });
}
