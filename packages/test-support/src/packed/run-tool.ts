import { spawn } from "node:child_process";

export interface RunToolOptions {
  cwd: string;
  /** The whole environment of the tool (nothing is inherited unless passed here). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Kill the tool (SIGKILL) and fail after this long (default 180 000 ms). */
  timeoutMs?: number | undefined;
  /** Said in the error when the command is not on PATH, e.g. "install Go 1.26+". */
  missingHint: string;
}

export interface ToolOutput {
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion. Rejects with its output when it exits non-zero or times out, and
 * with `missingHint` when the command cannot be found.
 */
export function runTool(command: string, args: readonly string[], options: RunToolOptions): Promise<ToolOutput> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const shown = `${command} ${args.join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === "ENOENT" ? new Error(`${command} was not found on PATH: ${options.missingHint}`) : error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`\`${shown}\` in ${options.cwd} failed (${code ?? signal}):\n${stdout}\n${stderr}`));
    });
  });
}

/** This process's environment without what a pnpm script run adds (npm_*, pnpm_*), so tools act as in a user's shell. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm|pnpm)_/i.test(key) && key !== "NODE_PATH" && key !== "NODE_OPTIONS") env[key] = value;
  }
  return { ...env, ...extra };
}
