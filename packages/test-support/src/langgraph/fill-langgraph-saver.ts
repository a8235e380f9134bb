import { Command } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { buildApprovalGraph } from "./approval-graph.js";
import { buildChatGraph } from "./chat-graph.js";

export interface FilledThreads {
  /** Threads of finished runs. */
  finished: string[];
  /** A thread stopped at the approval graph's interrupt(), waiting for an answer. */
  interrupted: string;
  all: string[];
}

/**
 * Runs real LangGraph graphs on `saver` (e.g. LangGraph's own PostgresSaver): two chat threads of
 * several turns, an approval run that finished and one left at its interrupt.
 */
export async function fillLanggraphSaver(saver: BaseCheckpointSaver, prefix: string): Promise<FilledThreads> {
  const chat = buildChatGraph(saver);
  const chats = [`${prefix}-chat-1`, `${prefix}-chat-2`];
  for (const thread of chats) {
    for (const text of ["hello", `my name is ${thread.replace(/\W/g, "")}`, "what is my name?"]) {
      await chat.invoke({ messages: [text] }, { configurable: { thread_id: thread } });
    }
  }
  const approval = buildApprovalGraph(saver);
  const done = `${prefix}-approval-done`;
  await approval.invoke({ request: "release 1" }, { configurable: { thread_id: done } });
  await approval.invoke(new Command({ resume: "yes" }), { configurable: { thread_id: done } });
  const interrupted = `${prefix}-approval-waiting`;
  await approval.invoke({ request: "release 2" }, { configurable: { thread_id: interrupted } });
  const finished = [...chats, done];
  return { finished, interrupted, all: [...finished, interrupted] };
}
