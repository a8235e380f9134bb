import { fileURLToPath } from "node:url";
import { runCheckpointdProcess, type CheckpointdProcess } from "./run-checkpointd-process.js";

/**
 * The workspace's built checkpointd CLI (`pnpm test` builds before jest runs): a path to a
 * program, not an import. src/ and dist/ are both one level below packages/test-support/.
 */
export const cliPath = fileURLToPath(new URL("../../server/dist/cli.js", import.meta.url));

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
