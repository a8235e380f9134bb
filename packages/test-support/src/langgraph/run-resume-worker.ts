// Worker process 2: has never run the thread; waits for a resume through watch(), claims it,
// and resumes the graph with new Command({ resume }).
import { createCheckpointdClient } from "@checkpointd/client";
import { Command } from "@langchain/langgraph";
import { CheckpointdSaver, waitForResume } from "@checkpointd/langgraph";
import { buildApprovalGraph } from "./approval-graph.js";
import { exitAfter, processArgs, report } from "./process-args.js";

const { address, thread, worker } = processArgs(["address", "thread", "worker"]);
exitAfter(60_000, "resume worker");
const client = createCheckpointdClient({ address });
const { resumeId, resume } = await waitForResume(client, thread, worker);
const saver = new CheckpointdSaver(client);
const state = await buildApprovalGraph(saver).invoke(new Command({ resume }), { configurable: { thread_id: thread } });
report({ pid: process.pid, resumeId, approved: state.approved, log: state.log });
await client.close();
