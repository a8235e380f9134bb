import { spawn } from "node:child_process";

export interface InstalledServer {
  port: number;
  output(): string;
  /** SIGTERM, SIGKILL after timeoutMs; resolves with the exit code or signal. */
  stop(timeoutMs: number): Promise<number | string>;
}

/**
 * Runs an installed `checkpointd` bin (executed itself: its shebang and mode are part of what is
 * tested) and waits for the "checkpointd listening" log line with the bound port.
 */
export function startInstalledServer(bin: string, args: readonly string[], cwd: string, startTimeoutMs = 30_000): Promise<InstalledServer> {
  const child = spawn(bin, args, {
    cwd,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", METRICS_PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "?")));
  const stop = async (timeoutMs: number) => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${bin} did not log "checkpointd listening" within ${startTimeoutMs} ms:\n${output}`));
    }, startTimeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${bin} did not start: ${error.message}`));
    });
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const lines = output.split("\n");
      lines.pop(); // not a whole line yet
      for (const line of lines) {
        if (!line.includes('"checkpointd listening"')) continue;
        const logged = JSON.parse(line) as { msg?: string; port?: number };
        if (logged.msg === "checkpointd listening" && typeof logged.port === "number") {
          clearTimeout(timer);
          resolve({ port: logged.port, output: () => output, stop });
          return;
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${bin} exited (${code}) before listening:\n${output}`));
    });
  });
}
