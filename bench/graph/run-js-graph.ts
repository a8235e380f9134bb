import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { summarizeLatencies } from "./summarize-invoke-latencies.js";
import type { GraphLoopBounds, GraphMeasurement, ServiceCpu } from "./graph-measurement.js";
import { createJsGraph, turnInput } from "./js-graph.js";

export interface JsGraphOptions extends GraphLoopBounds {
  saver: GraphMeasurement["saver"];
  checkpointer: BaseCheckpointSaver;
  /** RPCs the checkpointer's client has sent so far (undefined for PostgresSaver). */
  rpcCount: (() => number) | undefined;
  prefix: string;
  round: number;
  serviceCpu: ServiceCpu;
}

async function loop(options: JsGraphOptions, prefix: string, maxInvokes: number) {
  const graph = createJsGraph(options.checkpointer);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let issued = 0;
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;
  const worker = async (index: number) => {
    const config = { configurable: { thread_id: `${prefix}-t${index}` } };
    for (let turn = 1; issued < maxInvokes && performance.now() < deadline; turn++) {
      issued++;
      const begin = performance.now();
      try {
        await graph.invoke(turnInput(turn), config);
        latencies.push(performance.now() - begin);
      } catch (error) {
        errors++;
        firstError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.threads }, (_, i) => worker(i)));
  return { latencies, errors, firstError, elapsedMs: performance.now() - started };
}

/** `threads` concurrent workers in this process, each invoking the graph turn after turn on a thread of its own. */
export async function runJsGraph(options: JsGraphOptions): Promise<GraphMeasurement> {
  if (options.warmInvokes > 0) await loop(options, `${options.prefix}-warm`, options.warmInvokes);
  const rpcsBefore = options.rpcCount?.() ?? 0;
  const before = options.serviceCpu();
  const workerBefore = process.cpuUsage();
  const run = await loop(options, options.prefix, options.maxInvokes);
  const worker = process.cpuUsage(workerBefore);
  const after = options.serviceCpu();
  const invokes = run.latencies.length;
  const perInvoke = (micros: number) => (invokes > 0 ? micros / invokes : Number.NaN);
  const latency = summarizeLatencies(run.latencies);
  return {
    language: "js",
    saver: options.saver,
    threads: options.threads,
    round: options.round,
    invokes,
    errors: run.errors,
    firstError: run.firstError,
    invokesPerSecond: invokes / (run.elapsedMs / 1000),
    ...latency,
    rpcsPerInvoke: options.rpcCount === undefined ? undefined : perInvoke(options.rpcCount() - rpcsBefore),
    cpu: {
      worker: perInvoke(worker.user + worker.system),
      checkpointd: perInvoke(after.checkpointd - before.checkpointd),
      postgres: perInvoke(after.postgres - before.postgres),
      redis: perInvoke(after.redis - before.redis),
    },
  };
}
