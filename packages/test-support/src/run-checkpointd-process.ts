import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";

export interface RunCheckpointdProcessOptions {
  /** Arguments after the CLI path, e.g. `["serve", "--port", "0"]`. The log must be at info or lower. */
  args: readonly string[];
  /** The environment, on top of PATH, LOG_LEVEL=info and METRICS_PORT=0 (a free port: tests run side by side). */
  env?: Record<string, string> | undefined;
  cwd?: string | undefined;
  /** Give up waiting for "checkpointd listening" after this long (default 30 000 ms). */
  startTimeoutMs?: number | undefined;
}

export interface CheckpointdProcess {
  process: ChildProcess;
  port: number;
  /** The Connect/gRPC-Web port, or undefined when it is off. */
  httpPort: number | undefined;
  /** The /metrics port, or undefined when it is off. */
  metricsPort: number | undefined;
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait; SIGKILL after timeoutMs. */
  stop(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs the checkpointd CLI at `cliPath` as its own OS process and waits for its "checkpointd
 * listening" log line, which carries the bound ports (so `--port 0` works).
 */
export async function runCheckpointdProcess(cliPath: string, options: RunCheckpointdProcessOptions): Promise<CheckpointdProcess> {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: build the server first (\`pnpm run build\` at the root)`);
  const child = spawn(process.execPath, [cliPath, ...options.args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", METRICS_PORT: "0", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  // A hang detector, not a speed test: on two loaded cores (two test files at a time beside other
  // work) an embedded PGlite server took over 30 s to listen. Below jest's 60 s hook timeout.
  const startTimeoutMs = options.startTimeoutMs ?? 50_000;
  const ports = await new Promise<{ port: number; httpPort: number | undefined; metricsPort: number | undefined }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`checkpointd did not log "checkpointd listening" within ${startTimeoutMs} ms:\n${stdout}\n${stderr}`));
    }, startTimeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /"port":(\d+),[^\n]*"msg":"checkpointd listening"/.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        const http = /"httpPort":(\d+)/.exec(match[0]);
        const metrics = /"metricsPort":(\d+)/.exec(match[0]);
        resolve({
          port: Number(match[1]),
          httpPort: http === null ? undefined : Number(http[1]),
          metricsPort: metrics === null ? undefined : Number(metrics[1]),
        });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`checkpointd exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  });
  return {
    process: child,
    ...ports,
    exited,
    output: () => ({ stdout, stderr }),
    async stop(timeoutMs) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
