// The approver process: watches a thread and answers its first interrupt with Resume.
import { createCheckpointdClient } from "@checkpointd/client";
import { answerInterrupt } from "@checkpointd/langgraph";
import { exitAfter, processArgs, report } from "./process-args.js";

const { address, thread, answer } = processArgs(["address", "thread", "answer"]);
exitAfter(60_000, "approver");
const client = createCheckpointdClient({ address });
const question: unknown[] = [];
const answered = await answerInterrupt(client, thread, (value) => {
  question.push(value);
  return answer;
});
report({ pid: process.pid, question, resumeId: answered.resumeId, eventId: String(answered.eventId) });
await client.close();
