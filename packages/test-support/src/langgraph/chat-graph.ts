import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

export const ChatState = Annotation.Root({
  messages: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** A one-node chat bot that remembers a name said in any earlier turn of the thread. */
export function buildChatGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(ChatState)
    .addNode("reply", (state) => {
      const last = state.messages.at(-1) ?? "";
      const named = state.messages.map((m) => /my name is (\w+)/i.exec(m)?.[1]).find((n) => n !== undefined);
      return { messages: [/what is my name/i.test(last) ? `your name is ${named ?? "unknown"}` : `noted: ${last}`] };
    })
    .addEdge(START, "reply")
    .addEdge("reply", END)
    .compile({ checkpointer });
}
