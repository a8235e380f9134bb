// The inspector's browser test's worker, as its own process. --mode start: puts the customer's
// question into a new thread with updateState (as a human seeding a conversation would: its
// checkpoint's metadata says source "update"), runs the review graph until its interrupt and
// exits; --mode plain skips updateState. --mode resume: waits through watch() for a resume (sent
// from the web page), claims it as --worker and finishes the run.
import { HumanMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import { createCheckpointdClient } from "@checkpointd/client";
import { CheckpointdSaver, waitForResume } from "@checkpointd/langgraph";
import { buildReviewGraph } from "./review-graph.js";
import { exitAfter, processArgs, report } from "./process-args.js";

const { address, thread, mode, worker } = processArgs(["address", "thread", "mode", "worker"]);
exitAfter(60_000, `review worker (${mode})`);
const client = createCheckpointdClient({ address });
const saver = new CheckpointdSaver(client);
const graph = buildReviewGraph(saver);
const config = { configurable: { thread_id: thread } };
const question = new HumanMessage({ id: "question", content: "Where is my parcel?" });
if (mode === "start" || mode === "plain") {
  if (mode === "start") {
    await graph.updateState(config, { messages: [question] }, "__start__");
    await graph.invoke(null, config);
  } else {
    await graph.invoke({ messages: [question] }, config);
  }
  const snapshot = await graph.getState(config);
  report({ pid: process.pid, next: snapshot.next, interrupts: snapshot.tasks.flatMap((t) => t.interrupts) });
} else {
  const { resumeId, resume } = await waitForResume(client, thread, worker);
  const state = await graph.invoke(new Command({ resume }), config);
  report({ pid: process.pid, resumeId, resume, messages: state.messages.map((m) => String(m.content)) });
}
await client.close();
