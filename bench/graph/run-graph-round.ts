import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { GraphLoopBounds, GraphMeasurement, ServiceCpu } from "./graph-measurement.js";
import { runJsGraph } from "./run-js-graph.js";
import { runPythonGraph } from "./run-python-graph.js";

/** Everything one round of graph loops runs against. */
export interface GraphTargets {
  python: string;
  js: { postgresSaver: BaseCheckpointSaver; checkpointd: BaseCheckpointSaver; checkpointdRpcs: () => number };
  /** AsyncPostgresSaver's database URL (its own: its migrations are not PostgresSaver.js's), and checkpointd's host:port. */
  pythonPostgresUrl: string;
  checkpointdAddress: string;
  serviceCpu: ServiceCpu;
}

/** Bounds of the graph loops per thread count. */
export const graphBounds = (threads: number, quick: boolean): GraphLoopBounds => {
  const n = (value: number) => Math.max(1, Math.round(value * (quick ? 0.2 : 1)));
  return threads === 1
    ? { threads, maxInvokes: n(400), maxSeconds: n(4), warmInvokes: n(30) }
    : { threads, maxInvokes: n(3_000), maxSeconds: n(5), warmInvokes: n(160) };
};

export const graphThreads = [1, 16] as const;

/**
 * One round: at 1 and 16 threads, the JS graph then the Python graph, each
 * through both savers in an order that alternates per round, every run on
 * fresh threads (`label` keeps thread ids apart between configurations).
 */
export async function runGraphRound(
  targets: GraphTargets,
  round: number,
  label: string,
  quick: boolean,
  log: (message: string) => void,
): Promise<GraphMeasurement[]> {
  const out: GraphMeasurement[] = [];
  const savers: GraphMeasurement["saver"][] = round % 2 === 1 ? ["postgresSaver", "checkpointd"] : ["checkpointd", "postgresSaver"];
  for (const threads of graphThreads) {
    const bounds = graphBounds(threads, quick);
    for (const language of ["js", "python"] as const) {
      for (const saver of savers) {
        const prefix = `g-${label}-r${round}-${language}-${threads}-${saver}`;
        const common = { ...bounds, saver, prefix, round, serviceCpu: targets.serviceCpu };
        const m =
          language === "js"
            ? await runJsGraph({
                ...common,
                checkpointer: saver === "checkpointd" ? targets.js.checkpointd : targets.js.postgresSaver,
                rpcCount: saver === "checkpointd" ? targets.js.checkpointdRpcs : undefined,
              })
            : await runPythonGraph({
                ...common,
                python: targets.python,
                url: saver === "checkpointd" ? targets.checkpointdAddress : targets.pythonPostgresUrl,
              });
        log(
          `[round ${round}] ${label} graph ${language} ${saver} ${threads} thread(s): ${m.invokes} invokes, ${m.invokesPerSecond.toFixed(1)}/s, ` +
            `p50 ${m.p50Ms.toFixed(2)} ms, p99 ${m.p99Ms.toFixed(2)} ms, ${m.errors} errors, RPCs/invoke ${m.rpcsPerInvoke?.toFixed(1) ?? "–"}; ` +
            `CPU µs/invoke worker ${m.cpu.worker.toFixed(0)}, checkpointd ${m.cpu.checkpointd.toFixed(0)}, postgres ${m.cpu.postgres.toFixed(0)}, redis ${m.cpu.redis.toFixed(0)}`,
        );
        if (m.errors > 0) log(`first error: ${m.firstError}`);
        out.push(m);
      }
    }
  }
  return out;
}
