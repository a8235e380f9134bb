import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface TestProcess {
  pid: number;
  /** The last JSON line the process printed, once it exits with 0; rejects with its output otherwise. */
  done: Promise<Record<string, unknown>>;
}

/** Runs one of the built test programs (packages/test-support/dist/langgraph/<script>.js) as its own OS process with `--name value` args. */
export function runTestProcess(script: string, args: Record<string, string>): TestProcess {
  const path = fileURLToPath(new URL(`../../dist/langgraph/${script}.js`, import.meta.url));
  const child = spawn(process.execPath, [path, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, v])], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`${script} exited with ${code}:\n${stdout}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>);
    });
  });
  return { pid: child.pid!, done };
}
