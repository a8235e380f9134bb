import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createCheckpointdClient, type CheckpointdClient } from "@checkpointd/client";
import { chainPut, createDatabase, runCheckpointd, type RunningCheckpointd } from "@checkpointd/test-support";
import { buildCounterGraph } from "@checkpointd/test-support/langgraph";
import { CheckpointdSaver } from "./checkpointd-saver.js";
import { LeaseLostError } from "./thread-leases.js";

interface Worker {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  /** Resolves with the first line for which `match` holds. */
  line(match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** The built lease worker (packages/test-support/dist/langgraph/run-lease-worker.js) as its own process. */
function startWorker(args: Record<string, string>): Worker {
  const path = fileURLToPath(new URL("../../test-support/dist/langgraph/run-lease-worker.js", import.meta.url));
  const child = spawn(process.execPath, [path, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, v])], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let buffer = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let i = buffer.indexOf("\n"); i !== -1; i = buffer.indexOf("\n")) {
      lines.push(JSON.parse(buffer.slice(0, i)) as Record<string, unknown>);
      buffer = buffer.slice(i + 1);
      for (const wake of waiters.splice(0)) wake();
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    child,
    lines,
    exited,
    async line(match) {
      for (;;) {
        const found = lines.find(match);
        if (found !== undefined) return found;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`worker exited (${child.exitCode}) without that line:\n${stderr}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

/**
 * Embedded PGlite: one server process. PostgreSQL: two replicas (processes) on one database, the
 * dead holder on the first and the standby on the second, so the lease, its wait and the fence
 * hold across replicas (issue 22: the scenario on both engines).
 */
const engines = ["pglite", "postgres"] as const;

async function startReplicas(engine: (typeof engines)[number]): Promise<RunningCheckpointd[]> {
  if (engine === "pglite") return [await runCheckpointd()];
  const admin = process.env.CHECKPOINTD_TEST_DATABASE_URL;
  if (admin === undefined) throw new Error("CHECKPOINTD_TEST_DATABASE_URL is not set: run the tests through jest's global setup");
  const databaseUrl = await createDatabase(admin);
  // The first migrates; the second starts on the migrated database.
  const first = await runCheckpointd({ databaseUrl });
  return [first, await runCheckpointd({ databaseUrl })];
}

describe.each(engines)("singleWriter: the worker-crash scenario with real processes on %s", (engine) => {
  let servers: RunningCheckpointd[] = [];
  let client: CheckpointdClient;
  /** The replica the standby and the checks use (on PostgreSQL not the dead holder's). */
  const standbyAddress = () => servers.at(-1)!.address;
  beforeAll(async () => {
    servers = await startReplicas(engine);
    client = createCheckpointdClient({ address: standbyAddress() });
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    for (const server of servers) await server.stop();
  });

  it("the holder is SIGKILLed mid-run; after the ttl the standby takes the lease and finishes from the last checkpoint; the dead holder's replay is refused; no fork", async () => {
    const thread = `crash-${Date.now()}`;
    const common = { thread, ttl: "1000", steps: "8" };
    const first = startWorker({ ...common, address: servers[0]!.address, worker: "worker-1", wait: "0" });
    const lease1 = await first.line((l) => l.event === "lease");
    await first.line((l) => l.event === "step" && l.n === 3);
    // The standby starts while the first still holds the thread: it waits for the lease.
    const second = startWorker({ ...common, address: standbyAddress(), worker: "worker-2", wait: "20000" });
    first.child.kill("SIGKILL");
    const killedAt = Date.now();
    await first.exited;
    const lease2 = await second.line((l) => l.event === "lease");
    process.stdout.write(`${engine}: the standby took the lease ${Date.now() - killedAt} ms after the SIGKILL (ttl 1000 ms)\n`);
    expect(BigInt(lease2.token as string)).toBe(BigInt(lease1.token as string) + 1n);
    // Not before the dead holder's ttl ran out (less its last renewal's age), not much after.
    expect(Date.now() - killedAt).toBeGreaterThan(300);
    const done = await second.line((l) => l.event === "done");
    expect(await second.exited).toBe(0);
    expect(done.count).toBe(8);
    const log = done.log as string[];
    // Worker 1's steps, then worker 2's from where the thread's last checkpoint was, each step once.
    expect(log.map((s) => Number(s.split(":")[1]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8].slice(0, log.length));
    expect(log.length).toBe(8);
    expect(log.some((s) => s.startsWith("worker-2:"))).toBe(true);

    // The dead holder's write, replayed now with its token (through every replica): refused.
    const latest = await client.getTuple({ config: { threadId: thread } });
    for (const server of servers) {
      const replica = createCheckpointdClient({ address: server.address });
      try {
        const replay = replica.put(
          chainPut(thread, "1f0c0000-0000-6000-8000-ffffffffffff", latest!.config!.checkpointId, BigInt(lease1.token as string)),
        );
        await expect(replay).rejects.toThrow(/fencing token \d+ (is stale|belongs to a lease)/);
      } finally {
        await replica.close();
      }
    }
    // The history is one chain: no checkpoint has two children, and the parent links from the
    // latest reach every checkpoint of the thread.
    const parentOf = new Map<string, string>();
    for await (const t of client.list({ config: { threadId: thread } }))
      parentOf.set(
        `${t.config?.checkpointNs}/${t.config?.checkpointId}`,
        `${t.config?.checkpointNs}/${t.parentConfig?.checkpointId ?? ""}`,
      );
    const parents = [...parentOf.values()];
    expect(new Set(parents).size).toBe(parents.length);
    const chain: string[] = [];
    for (let at: string | undefined = `/${latest!.config!.checkpointId}`; at !== undefined && parentOf.has(at); at = parentOf.get(at))
      chain.push(at);
    expect(chain.length).toBe(parentOf.size);
  }, 60_000);

  it("a graph whose lease was taken over fails with LeaseLostError, and a second saver cannot start on a held thread", async () => {
    const thread = `lost-${Date.now()}`;
    const saver = new CheckpointdSaver(client, { singleWriter: { holder: "slow", ttlMs: 300 } });
    const graph = buildCounterGraph(saver, "slow", 4, 10);
    const config = { configurable: { thread_id: thread } };
    await graph.invoke({ count: 0 }, config);
    // A second saver on the held thread: refused at its first call, naming the holder.
    const other = new CheckpointdSaver(client, { singleWriter: { holder: "other", ttlMs: 1_000 } });
    await expect(buildCounterGraph(other, "other", 8, 10).invoke(null, config)).rejects.toThrow(/leased by slow/);
    // The first worker's process stalls (a long GC pause, a blocked loop) past its ttl: no renewal goes out.
    const until = Date.now() + 500;
    while (Date.now() < until);
    await other.getTuple(config);
    await expect(buildCounterGraph(saver, "slow", 8, 10).invoke({ count: 0 }, config)).rejects.toThrow(LeaseLostError);
    await other.releaseThread(thread);
    await saver.close();
  });
});
