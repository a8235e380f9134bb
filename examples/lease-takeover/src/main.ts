// The worker-crash scenario with thread leases (docs/protocol.md, "Leases").
//
//   pnpm --filter @checkpointd/example-lease-takeover start
//   CHECKPOINTD_URL=127.0.0.1:50051 pnpm --filter @checkpointd/example-lease-takeover start
//
// Worker 1 (a child process) runs a 6-step job with singleWriter on and is SIGKILLed after step 2.
// Worker 2, a standby, waits for the thread's lease with waitForLease (on Watch: no polling), takes
// it when the dead worker's ttl runs out, and finishes the job from the last checkpoint. Worker 1's
// write, replayed late with its old fencing token, is refused.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { createCheckpointdClient, waitForLease } from "@checkpointd/client";
import { CheckpointdSaver } from "@checkpointd/langgraph";
import { buildJobGraph } from "./counter-graph.js";
import { startEmbeddedCheckpointd } from "./start-embedded-checkpointd.js";

const STEPS = 6;
const TTL_MS = 2_000;
const { values: flags } = parseArgs({ options: { worker: { type: "boolean" }, address: { type: "string" }, thread: { type: "string" } } });

if (flags.worker === true) {
  // Worker 1: its own process, holding the thread's lease while it runs.
  const saver = CheckpointdSaver.fromUrl(flags.address!, { singleWriter: { holder: "worker-1", ttlMs: TTL_MS } });
  const token = await saver.leases!.token(flags.thread!);
  console.log(`[worker-1] holds the lease, fencing token ${token}`);
  await buildJobGraph(saver, "worker-1", STEPS).invoke({ step: 0 }, { configurable: { thread_id: flags.thread! } });
  await saver.close();
} else {
  const embedded = process.env.CHECKPOINTD_URL === undefined ? await startEmbeddedCheckpointd() : undefined;
  const address = process.env.CHECKPOINTD_URL ?? embedded!.address;
  console.log(`checkpointd at ${address}${embedded === undefined ? "" : " (embedded, throwaway data)"}`);
  const threadId = `job-${Date.now()}`;
  const client = createCheckpointdClient({ address });
  try {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", new URL(import.meta.url).pathname, "--worker", "--address", address, "--thread", threadId],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const exited = new Promise((resolve) => child.once("exit", resolve));
    let oldToken = 0n;
    const killed = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        console.log(line);
        const token = /fencing token (\d+)/.exec(line);
        if (token !== null) oldToken = BigInt(token[1]!);
        if (line.includes(`step 2/${STEPS}`)) {
          child.kill("SIGKILL");
          console.log("[main] worker-1 SIGKILLed mid-run (its lease is still live until its ttl runs out)");
          resolve();
        }
      });
    });
    await killed;
    await exited;

    // Worker 2: takes over as soon as the lease frees.
    const started = Date.now();
    const lease = await waitForLease(client, { threadId, holder: "worker-2", ttlMs: TTL_MS });
    console.log(`[worker-2] took the lease after ${Date.now() - started} ms, fencing token ${lease.fencingToken}`);
    const saver = new CheckpointdSaver(client, { singleWriter: { holder: "worker-2", ttlMs: TTL_MS } });
    saver.leases!.adopt(threadId, lease);
    const config = { configurable: { thread_id: threadId } };
    const done = await buildJobGraph(saver, "worker-2", STEPS).invoke(null, config);
    console.log(`[worker-2] finished: ${done.log.join("; ")}`);

    // Worker 1's last write, arriving late with its old token.
    const latest = await client.getTuple({ config: { threadId } });
    try {
      await client.put({
        config: { threadId, checkpointId: latest!.config!.checkpointId },
        checkpoint: { v: 4, id: "1f0c0000-0000-6000-8000-ffffffffffff", ts: new Date().toISOString() },
        fencingToken: oldToken,
      });
      console.log("[main] the late write landed (this must not happen)");
    } catch (error) {
      console.log(`[main] worker-1's late write is refused: ${(error as Error).message}`);
    }
    await saver.releaseThread(threadId);
    let checkpoints = 0;
    const parents = new Set<string>();
    for await (const t of client.list({ config: { threadId } })) {
      checkpoints++;
      parents.add(t.parentConfig?.checkpointId ?? "");
    }
    console.log(`[main] ${threadId}: ${checkpoints} checkpoints in one chain (${parents.size === checkpoints ? "no fork" : "FORKED"})`);
  } finally {
    await client.close();
    await embedded?.close();
  }
}
