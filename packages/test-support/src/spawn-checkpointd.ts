import { runCheckpointdProcess, type CheckpointdProcess } from "./run-checkpointd-process.js";
import { checkpointdCliPath } from "./run-checkpointd.js";

/** The checkpointd CLI the tests run (see checkpointdCliPath): a path to a program, not an import. */
export const cliPath = checkpointdCliPath();

export interface SpawnedCheckpointd extends CheckpointdProcess {
  /** SIGTERM and wait (SIGKILL after timeoutMs, default 15 000). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `checkpointd serve` as a real OS process on free ports (`--port 0 --http-port 0`; later
 * flags win) and waits until it listens.
 */
export async function spawnCheckpointd(
  args: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<SpawnedCheckpointd> {
  const running = await runCheckpointdProcess(cliPath, { args: ["serve", "--port", "0", "--http-port", "0", ...args], env, cwd });
  return { ...running, stop: (timeoutMs = 15_000) => running.stop(timeoutMs) };
}
