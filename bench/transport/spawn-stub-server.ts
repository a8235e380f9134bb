import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { StubServerCommand, StubServerMessage } from "./stub-server-message.js";
import type { TransportLibrary } from "./transport-library.js";

const entry = fileURLToPath(new URL("./stub-server-main.ts", import.meta.url));

export interface SpawnedStubServer {
  library: TransportLibrary;
  port: number;
  /** CPU time (user + system) the server process has used so far, and its resident memory. */
  usage(): Promise<{ cpuMicros: number; rssBytes: number }>;
  stop(): Promise<void>;
}

function nextMessage<T extends StubServerMessage["type"]>(child: ChildProcess, type: T, timeoutMs: number) {
  return new Promise<Extract<StubServerMessage, { type: T }>>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`stub server: no "${type}" message within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: StubServerMessage) => {
      if (message.type === type) finish(undefined, message as Extract<StubServerMessage, { type: T }>);
      else if (message.type === "failed") finish(new Error(`stub server failed: ${message.error}`));
    };
    const onExit = (code: number | null) => finish(new Error(`stub server exited (${code}) before "${type}"`));
    function finish(error: Error | undefined, message?: Extract<StubServerMessage, { type: T }>) {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (error || !message) reject(error);
      else resolve(message);
    }
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

/**
 * Starts the stub server in its own Node process (so it never shares a JS
 * thread with the load generator or the runner) on a free 127.0.0.1 port.
 * The child inherits this process's execArgv, so `--import tsx` carries over.
 */
export async function spawnStubServer(library: TransportLibrary): Promise<SpawnedStubServer> {
  const child = fork(entry, [library, "0"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const command = (message: StubServerCommand) => child.send(message);
  let ready: { port: number };
  try {
    ready = await nextMessage(child, "ready", 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    library,
    port: ready.port,
    async usage() {
      const reply = nextMessage(child, "usage", 5_000);
      command({ type: "usage" });
      const { cpuMicros, rssBytes } = await reply;
      return { cpuMicros, rssBytes };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      command({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
