import { Command } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { buildApprovalGraph } from "./approval-graph.js";

/** Resumes an approval run stopped at its interrupt with `answer`; resolves with the final state. */
export function resumeApproval(saver: BaseCheckpointSaver, threadId: string, answer: unknown) {
  return buildApprovalGraph(saver).invoke(new Command({ resume: answer }), { configurable: { thread_id: threadId } });
}
