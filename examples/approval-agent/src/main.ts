// A LangGraph.js release agent that stops for a human's approval, checkpointed in checkpointd.
//
//   pnpm example                       # starts an embedded checkpointd, answers "yes" (or asks, on a terminal)
//   pnpm example --answer no           # the approver says no
//   CHECKPOINTD_URL=127.0.0.1:50051 pnpm example   # use a running server instead
//
// Three parties, each with its own connection, as they would be three processes in production:
// worker 1 runs until interrupt() and leaves; the approver is told through Watch and answers with
// Resume; worker 2, which never ran the thread, gets the answer through Watch and finishes the run.
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { createCheckpointdClient } from "@checkpointd/client";
import { answerInterrupt, CheckpointdSaver, waitForResume } from "@checkpointd/langgraph";
import { Command } from "@langchain/langgraph";
import { buildReleaseGraph } from "./release-graph.js";
import { startEmbeddedCheckpointd } from "./start-embedded-checkpointd.js";

const { values: flags } = parseArgs({ options: { answer: { type: "string" }, version: { type: "string", default: "1.4.0" } } });

async function decide(question: unknown): Promise<string> {
  const { question: text, notes } = question as { question: string; notes: string };
  console.log(`\n[approver] ${notes}\n[approver] ${text}`);
  if (flags.answer !== undefined || !process.stdin.isTTY) {
    const answer = flags.answer ?? "yes";
    console.log(`[approver] answers: ${answer}`);
    return answer;
  }
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await prompt.question("[approver] your answer> ");
  } finally {
    prompt.close();
  }
}

const embedded = process.env.CHECKPOINTD_URL === undefined ? await startEmbeddedCheckpointd() : undefined;
const address = process.env.CHECKPOINTD_URL ?? embedded!.address;
console.log(`checkpointd at ${address}${embedded === undefined ? "" : " (embedded, throwaway data)"}`);
const config = { configurable: { thread_id: `release-${Date.now()}` } };
const threadId = config.configurable.thread_id;

try {
  // Worker 2 and the approver only need the thread id; they may start before the run.
  const workerClient = createCheckpointdClient({ address });
  const approverClient = createCheckpointdClient({ address });
  const resumed = waitForResume(workerClient, threadId, "worker-2");
  const answered = answerInterrupt(approverClient, threadId, decide);

  // Worker 1: runs until interrupt(), then goes away.
  const worker1 = CheckpointdSaver.fromUrl(address);
  const paused = await buildReleaseGraph(worker1).invoke({ version: flags.version }, config);
  const waiting = await buildReleaseGraph(worker1).getState(config);
  console.log(`[worker 1] ${paused.log.join("; ")}; paused before ${waiting.next.join(", ")}`);
  await worker1.close();

  console.log(`[approver] resume ${(await answered).resumeId} sent`);
  await approverClient.close();

  // Worker 2: resumes the thread from its checkpoint with the approver's answer.
  const { resume } = await resumed;
  const saver = new CheckpointdSaver(workerClient);
  const graph = buildReleaseGraph(saver);
  const done = await graph.invoke(new Command({ resume }), config);
  console.log(`[worker 2] resumed with "${String(resume)}": ${done.log.join("; ")}`);

  let steps = 0;
  for await (const snapshot of graph.getStateHistory(config)) steps += snapshot.metadata === undefined ? 0 : 1;
  console.log(`thread ${threadId}: ${steps} checkpoints, decision "${done.decision}", final step "${done.log.at(-1)}"`);
  await workerClient.close();
} finally {
  await embedded?.close();
}
