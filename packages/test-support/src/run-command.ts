import { execFile } from "node:child_process";

export interface RunCommandOptions {
  cwd?: string;
}

/** Runs a command to completion and resolves with its stdout; rejects with its stderr in the message. */
export function runCommand(command: string, args: readonly string[], options: RunCommandOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim() || stdout.trim() || error.message;
          reject(new Error(`\`${[command, ...args].join(" ")}\` failed: ${detail}`, { cause: error }));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}
