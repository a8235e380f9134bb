import { execFile } from "node:child_process";
import { checkpointdCliPath } from "./run-checkpointd.js";

export interface VerbResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `checkpointd ...args` (a client verb) to its end with only PATH and `env` in its
 * environment, and resolves with its exit status and output whatever the status.
 */
export function runCheckpointdVerb(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<VerbResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [checkpointdCliPath(), ...args],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, env: { PATH: process.env.PATH ?? "", ...env } },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number")
          reject(new Error(`checkpointd ${args.join(" ")}: ${error.message}\n${stderr}`));
        else resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}
