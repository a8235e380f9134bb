// A worker with singleWriter on, as its own process: takes the thread's lease (waiting for it when
// another holds it), prints it, runs the counter graph to its end (or on from the last checkpoint)
// printing each step, then releases. A test SIGKILLs one mid-run.
import { CheckpointdSaver } from "@checkpointd/langgraph";
import { buildCounterGraph } from "./counter-graph.js";
import { exitAfter, processArgs, report } from "./process-args.js";

const { address, thread, worker, ttl, steps, wait } = processArgs(["address", "thread", "worker", "ttl", "steps", "wait"]);
exitAfter(60_000, "lease worker");
const saver = CheckpointdSaver.fromUrl(address, { singleWriter: { holder: worker, ttlMs: Number(ttl), waitMs: Number(wait) } });
const config = { configurable: { thread_id: thread }, recursionLimit: 100 };
const graph = buildCounterGraph(saver, worker, Number(steps), 150, (n) => report({ event: "step", n }));
const token = await saver.leases!.token(thread);
report({ event: "lease", token: String(token) });
// A thread with a checkpoint goes on from it (invoke(null)); a new one starts.
const started = (await graph.getState(config)).values.count !== undefined;
const result = await graph.invoke(started ? null : { count: 0 }, config);
await saver.releaseThread(thread);
report({ event: "done", pid: process.pid, count: result.count, log: result.log });
await saver.close();
