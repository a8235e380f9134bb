import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { GraphLoopBounds, GraphMeasurement, ServiceCpu } from "./graph-measurement.js";

export interface PythonGraphOptions extends GraphLoopBounds {
  python: string;
  saver: GraphMeasurement["saver"];
  /** checkpointd's host:port, or PostgresSaver's database URL. */
  url: string;
  /** Thread ids are `${prefix}-t<n>`: a fresh prefix per run gives every worker a fresh thread. */
  prefix: string;
  round: number;
  serviceCpu: ServiceCpu;
}

interface PythonDone {
  event: "done";
  invokes: number;
  errors: number;
  firstError: string | null;
  invokesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  workerCpuMicrosPerInvoke: number;
  rpcsPerInvoke: number | null;
}

const script = fileURLToPath(new URL("./python_graph_bench.py", import.meta.url));

/**
 * Runs python_graph_bench.py once and reads the services' CPU when it says
 * the measured loop starts and when it reports; killed after the loop's own
 * bound plus 60 s (imports, setup, warm-up).
 */
export async function runPythonGraph(options: PythonGraphOptions): Promise<GraphMeasurement> {
  const saverArg = options.saver === "checkpointd" ? "checkpointd" : "postgres";
  const child = spawn(
    options.python,
    [
      script,
      ...["--saver", saverArg, "--url", options.url, "--threads", String(options.threads), "--prefix", options.prefix],
      ...[
        "--max-invokes",
        String(options.maxInvokes),
        "--max-seconds",
        String(options.maxSeconds),
        "--warm-invokes",
        String(options.warmInvokes),
      ],
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const killer = setTimeout(() => child.kill("SIGKILL"), (options.maxSeconds * 2 + 60) * 1000);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  let before: ReturnType<ServiceCpu> | undefined;
  let after: ReturnType<ServiceCpu> | undefined;
  let done: PythonDone | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const event = JSON.parse(line) as { event: string };
    if (event.event === "start") before = options.serviceCpu();
    if (event.event === "done") {
      after = options.serviceCpu();
      done = event as PythonDone;
    }
  }
  const code = await exited;
  clearTimeout(killer);
  if (done === undefined || before === undefined || after === undefined || code !== 0) {
    throw new Error(`python graph bench (${options.saver}, ${options.threads} threads) exited ${code}: ${stderr}`);
  }
  const perInvoke = (micros: number) => (done.invokes > 0 ? micros / done.invokes : Number.NaN);
  return {
    language: "python",
    saver: options.saver,
    threads: options.threads,
    round: options.round,
    invokes: done.invokes,
    errors: done.errors,
    firstError: done.firstError,
    invokesPerSecond: done.invokesPerSecond,
    p50Ms: done.p50Ms,
    p99Ms: done.p99Ms,
    rpcsPerInvoke: done.rpcsPerInvoke ?? undefined,
    cpu: {
      worker: done.workerCpuMicrosPerInvoke,
      checkpointd: perInvoke(after.checkpointd - before.checkpointd),
      postgres: perInvoke(after.postgres - before.postgres),
      redis: perInvoke(after.redis - before.redis),
    },
  };
}
