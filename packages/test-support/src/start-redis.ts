import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { pingRedis } from "./ping-redis.js";
import { sendRedisCommand } from "./send-redis-command.js";
import { waitUntil } from "./wait-until.js";

/** A throwaway Redis server for tests: loopback only, no persistence. */
export interface RedisInstance {
  /** e.g. `redis://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Graceful shutdown (SIGTERM), waiting for the process to exit. No-op when stopped. */
  stop(): Promise<void>;
  /** Starts again on the same port and waits until it answers PING. No-op when running. */
  start(): Promise<void>;
  /** Simulates a crash (SIGKILL), waiting for the process to exit. No-op when stopped. */
  kill(): Promise<void>;
  /** Freezes the process (SIGSTOP), keeping its data: a partition or a stall, not a restart. */
  pause(): void;
  /** Lets a paused process run again (SIGCONT). */
  resume(): void;
}

export interface StartRedisOptions {
  port?: number;
  /** Keep data across stop/start (append-only file in a temp dir), like a Redis restarted with persistence. */
  persistent?: boolean;
}

const READY_TIMEOUT_MS = 30_000;

/** Servers still running: killed if the process exits without stopping them. */
const live = new Set<ChildProcess>();
function killLeftovers(): void {
  for (const child of live) child.kill("SIGKILL");
}
function track(child: ChildProcess, running: boolean): void {
  if (running) live.add(child);
  else live.delete(child);
  // Listen only while something is live, so many test files in one worker do not pile up listeners.
  process.off("exit", killLeftovers);
  if (live.size > 0) process.on("exit", killLeftovers);
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisInstance> {
  const port = options.port ?? (await freePort());
  // Nothing is persisted (`--save ''`, no AOF), so the working directory stays untouched.
  const dir = options.persistent === true ? await mkdtemp(join(tmpdir(), "checkpointd-redis-")) : tmpdir();
  if (options.persistent === true) process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", options.persistent === true ? "yes" : "no"];
  if (options.persistent === true) args.push("--appendfsync", "always");
  args.push("--dir", dir, "--daemonize", "no", "--loglevel", "warning");

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    if (child !== undefined) return;
    let output = "";
    let failure: string | undefined;
    const current = spawn("redis-server", args, { cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
    child = current;
    track(current, true);
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString("utf8")).slice(-4_000);
    };
    current.stdout?.on("data", collect);
    current.stderr?.on("data", collect);
    exited = new Promise<void>((resolve) => {
      current.once("error", (error: NodeJS.ErrnoException) => {
        failure =
          error.code === "ENOENT"
            ? "redis-server not found on PATH (Debian: apt-get install redis-server)"
            : `could not run redis-server: ${error.message}`;
        resolve();
      });
      current.once("exit", (code, signal) => {
        failure ??= `redis-server exited (${signal ?? `code ${String(code)}`}): ${output.trim()}`;
        resolve();
      });
    }).then(() => {
      track(current, false);
      if (child === current) child = undefined;
    });
    try {
      // Answering PING is not enough: make sure it is *this* process answering on the port.
      const probe = async (): Promise<void> => {
        await pingRedis(port);
        const info = await sendRedisCommand(port, ["INFO", "server"]);
        if (!info.includes(`\r\nprocess_id:${String(current.pid)}\r\n`)) {
          throw new Error(`port ${port} is answered by another Redis process`);
        }
      };
      await waitUntil(`Redis on port ${port}`, probe, {
        timeoutMs: READY_TIMEOUT_MS,
        fatal: () => failure,
      });
    } catch (error) {
      current.kill("SIGKILL");
      await exited;
      throw error;
    }
  };

  const signal = async (name: NodeJS.Signals): Promise<void> => {
    if (child === undefined) return;
    child.kill(name);
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
    pause: () => void child?.kill("SIGSTOP"),
    resume: () => void child?.kill("SIGCONT"),
  };
}
