import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The checkpointd CLI these helpers run: $CHECKPOINTD_CLI, or the workspace's built
 * server (`packages/server/dist/cli.js`; the root `pnpm test` builds it first).
 * This is a path to a program, not an import: the client does not depend on the server.
 */
export function checkpointdCliPath(): string {
  const fromEnv = process.env.CHECKPOINTD_CLI;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  // src/testing/ and dist/testing/ are both three levels below packages/.
  return fileURLToPath(new URL("../../../server/dist/cli.js", import.meta.url));
}

export interface SpawnCheckpointdOptions {
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

export interface RunningCheckpointd {
  process: ChildProcess;
  port: number;
  /** `127.0.0.1:port`. */
  address: string;
  output(): { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after timeoutMs (default 10 000). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `checkpointd serve` on 127.0.0.1 as its own OS process and waits until it listens. */
export async function spawnCheckpointd(options: SpawnCheckpointdOptions = {}): Promise<RunningCheckpointd> {
  const cli = checkpointdCliPath();
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build the server first (\`pnpm run build\` at the root)`);
  const args = [cli, "serve", "--host", "127.0.0.1", "--port", String(options.port ?? 0), "--http-port", "off"];
  if (options.databaseUrl !== undefined) args.push("--database-url", options.databaseUrl);
  else args.push("--data-dir", options.dataDir ?? "memory://");
  if (options.redisUrl !== undefined) args.push("--redis-url", options.redisUrl);
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`checkpointd did not start within ${startTimeoutMs} ms:\n${stdout}\n${stderr}`));
    }, startTimeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /"port":(\d+),[^\n]*"msg":"checkpointd listening"/.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`checkpointd exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  });
  return {
    process: child,
    port,
    address: `127.0.0.1:${port}`,
    exited,
    output: () => ({ stdout, stderr }),
    async stop(timeoutMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
