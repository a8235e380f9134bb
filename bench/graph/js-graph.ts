import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { Annotation, END, START, StateGraph, messagesStateReducer } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

/** The bench graph's state: 5 channels, `messages` growing by two a turn (the same graph as python_graph_bench.py). */
const BenchState = Annotation.Root({
  messages: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
  context: Annotation<Record<string, unknown>>(),
  plan: Annotation<string[]>(),
  scratchpad: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  route: Annotation<string>(),
});
type State = typeof BenchState.State;

/** A StateGraph of 3 nodes (planner -> agent -> tools), compiled with `checkpointer`. */
export function createJsGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(BenchState)
    .addNode("planner", (state: State) => ({
      plan: [0, 1, 2].map((i) => `step ${state.messages.length}-${i}: look up, reason, answer`),
      route: "agent",
    }))
    .addNode("agent", (state: State) => {
      const last = String(state.messages.at(-1)?.content ?? "");
      return {
        messages: [new AIMessage(`Answer to ${last}: ` + "the forecast says mild weather, no rain. ".repeat(4))],
        scratchpad: [`answered ${last}`],
        route: "tools",
      };
    })
    .addNode("tools", (state: State) => ({
      context: { user: "u-1", locale: "en-GB", turns: Math.floor(state.messages.length / 2), tools: ["search", "calc"] },
      route: "end",
    }))
    .addEdge(START, "planner")
    .addEdge("planner", "agent")
    .addEdge("agent", "tools")
    .addEdge("tools", END)
    .compile({ checkpointer });
}

/** One turn's input. */
export const turnInput = (turn: number) => ({ messages: [new HumanMessage(`turn ${turn}`)] });
