import { fileURLToPath } from "node:url";
import { runCheckpointdProcess, type CheckpointdProcess } from "./run-checkpointd-process.js";

/**
 * The checkpointd CLI these helpers run: $CHECKPOINTD_CLI, or the workspace's built
 * server (`packages/server/dist/cli.js`; the root `pnpm test` builds it first).
 */
export function checkpointdCliPath(): string {
  const fromEnv = process.env.CHECKPOINTD_CLI;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  // src/ and dist/ are both two levels below packages/.
  return fileURLToPath(new URL("../../server/dist/cli.js", import.meta.url));
}

export interface RunCheckpointdOptions {
  /** gRPC port (default 0: a free one, read back from the log). */
  port?: number;
  /** PGlite data directory (default memory://: empty, gone at exit). Ignored with databaseUrl. */
  dataDir?: string;
  /** PostgreSQL instead of embedded PGlite. */
  databaseUrl?: string;
  /** Redis L1 cache instead of the in-process one. */
  redisUrl?: string;
  /** More CLI flags. */
  args?: readonly string[];
  /** More environment. */
  env?: Record<string, string>;
  /** Give up waiting for "listening" after this long (default 30 000 ms). */
  startTimeoutMs?: number;
}

export interface RunningCheckpointd extends Omit<CheckpointdProcess, "httpPort" | "stop"> {
  /** `127.0.0.1:port`. */
  address: string;
  /** SIGTERM, then SIGKILL after timeoutMs (default 10 000). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `checkpointd serve` on 127.0.0.1 as its own OS process and waits until it listens. */
export async function runCheckpointd(options: RunCheckpointdOptions = {}): Promise<RunningCheckpointd> {
  const args = ["serve", "--host", "127.0.0.1", "--port", String(options.port ?? 0), "--http-port", "off"];
  if (options.databaseUrl !== undefined) args.push("--database-url", options.databaseUrl);
  else args.push("--data-dir", options.dataDir ?? "memory://");
  if (options.redisUrl !== undefined) args.push("--redis-url", options.redisUrl);
  args.push(...(options.args ?? []));
  const running = await runCheckpointdProcess(checkpointdCliPath(), { args, env: options.env, startTimeoutMs: options.startTimeoutMs });
  return { ...running, address: `127.0.0.1:${running.port}`, stop: (timeoutMs = 10_000) => running.stop(timeoutMs) };
}
