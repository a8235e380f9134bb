// Worker process 2: has never run the thread; waits for a resume through watch(), claims it,
// and resumes the graph with new Command({ resume }).
import { createCheckpointdClient } from "@checkpointd/client";
import { Command } from "@langchain/langgraph";
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import { CheckpointdSaver } from "../checkpointd-saver.js";
import { buildApprovalGraph } from "./approval-graph.js";
import { exitAfter, processArgs, report } from "./process-args.js";

const { address, thread, worker } = processArgs(["address", "thread", "worker"]);
exitAfter(60_000, "resume worker");
const serde = new JsonPlusSerializer();
const client = createCheckpointdClient({ address });
const watch = client.watch({ threads: [thread] });
let resume: unknown;
let resumeId = "";
for await (const event of watch) {
  if (event.kind.case !== "resumeRequested") continue;
  const claim = await client.claimResume({ threadId: thread, resumeId: event.kind.value.resumeId, workerId: worker });
  if (!claim.claimed) continue;
  const entries = await Promise.all(
    Object.entries(claim.values).map(async ([id, value]) => [id, await serde.loadsTyped(value.type, value.data)] as const),
  );
  // One interrupt: its answer; several: LangGraph's map of interrupt id -> answer.
  resume = entries.length === 1 ? entries[0]![1] : Object.fromEntries(entries);
  resumeId = claim.resumeId;
  break;
}
watch.close();
const saver = new CheckpointdSaver(client);
const state = await buildApprovalGraph(saver).invoke(new Command({ resume }), { configurable: { thread_id: thread } });
report({ pid: process.pid, resumeId, approved: state.approved, log: state.log });
await client.close();
