import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built CLI (`pnpm test` builds before jest runs). */
export const cliPath = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

export interface SpawnedCheckpointd {
  process: ChildProcess;
  port: number;
  /** The Connect/gRPC-Web port, or undefined when it is switched off (`--http-port off`). */
  httpPort: number | undefined;
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait (SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `checkpointd serve` as a real OS process on free ports (`--port 0 --http-port 0`)
 * and waits for its "listening" log line, which carries the bound port.
 */
export async function spawnCheckpointd(
  args: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<SpawnedCheckpointd> {
  const child = spawn(process.execPath, [cliPath, "serve", "--port", "0", "--http-port", "0", ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const { port, httpPort } = await new Promise<{ port: number; httpPort: number | undefined }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `checkpointd did not log "checkpointd listening" within 30 s (it needs --log-level info or lower):\n${stdout}\n${stderr}`,
        ),
      );
    }, 30_000);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /"port":(\d+),[^\n]*"msg":"checkpointd listening"/.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        const http = /"httpPort":(\d+)/.exec(match[0]);
        resolve({ port: Number(match[1]), httpPort: http === null ? undefined : Number(http[1]) });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`checkpointd exited with ${code} before listening:\n${stderr}`));
    });
  });
  return {
    process: child,
    port,
    httpPort,
    exited,
    output: () => ({ stdout, stderr }),
    async stop(timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
