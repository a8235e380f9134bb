// Worker process 1: runs the approval graph on a new thread until its interrupt, then exits.
import { CheckpointdSaver } from "@checkpointd/langgraph";
import { buildApprovalGraph } from "./approval-graph.js";
import { exitAfter, processArgs, report } from "./process-args.js";

const { address, thread, request } = processArgs(["address", "thread", "request"]);
exitAfter(60_000, "interrupt worker");
const saver = CheckpointdSaver.fromUrl(address);
const graph = buildApprovalGraph(saver);
const config = { configurable: { thread_id: thread } };
const result = await graph.invoke({ request }, config);
const snapshot = await graph.getState(config);
report({ pid: process.pid, interrupts: snapshot.tasks.flatMap((t) => t.interrupts), next: snapshot.next, log: result.log });
await saver.close();
