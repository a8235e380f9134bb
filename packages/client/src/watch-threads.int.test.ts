import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { WatchEvent } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointdClient, type CheckpointdClient } from "./create-checkpointd-client.js";
import { runCheckpointd, type RunningCheckpointd } from "@checkpointd/test-support";
import type { ThreadWatch } from "./watch-threads.js";

const id = (n: number) => `1f0c0000-0000-6000-8000-${String(n).padStart(12, "0")}`;
const json = (text: string) => ({ type: "json", data: new TextEncoder().encode(text) });

async function put(client: CheckpointdClient, threadId: string, n: number) {
  await client.put({
    config: { threadId, ...(n > 1 ? { checkpointId: id(n - 1) } : {}) },
    checkpoint: { v: 4, id: id(n), ts: new Date().toISOString() },
    metadata: { step: n },
  });
}

/** Reads events from a watch into a list; `until` waits for a count. */
function collect(watch: ThreadWatch) {
  const events: WatchEvent[] = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const event of watch) {
        events.push(event);
        wake?.();
      }
    } catch (error) {
      failure = error;
      wake?.();
    }
  })();
  return {
    events,
    done,
    async until(count: number, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        if (failure !== undefined) throw failure;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`only ${events.length} of ${count} events: ${events.map((e) => e.kind.case).join(", ")}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 200));
        });
      }
      return events.slice(0, count);
    },
  };
}

describe("client.watch()", () => {
  let dataDir: string;
  let server: RunningCheckpointd | undefined;
  let client: CheckpointdClient;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "checkpointd-client-watch-"));
    server = await runCheckpointd({ dataDir });
    client = createCheckpointdClient({ address: server.address });
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("pushes a thread's events in order, an interrupt included, and replays from an event id", async () => {
    const watch = client.watch({ threads: ["w-order"] });
    const seen = collect(watch);
    await put(client, "w-order", 1);
    await client.putWrites({
      config: { threadId: "w-order", checkpointId: id(1) },
      taskId: "approve",
      writes: [{ channel: "__interrupt__", value: json('[{"value":"ok?","id":"i-1"}]') }],
    });
    const events = await seen.until(3);
    expect(events.map((e) => e.kind.case)).toEqual(["checkpointSaved", "writesSaved", "interrupted"]);
    expect(events.map((e) => e.eventId)).toEqual([1n, 2n, 3n]);
    expect(watch.lastEventId("w-order")).toBe(3n);

    const answer = await client.resume({ threadId: "w-order", values: { "i-1": json('"yes"') }, idempotencyKey: "approve-1" });
    const [, , , requested] = await seen.until(4);
    expect(requested?.kind).toMatchObject({ case: "resumeRequested", value: { resumeId: answer.resumeId } });
    const claim = await client.claimResume({ threadId: "w-order", workerId: "worker-1" });
    expect(claim.claimed).toBe(true);
    expect(new TextDecoder().decode(claim.values["i-1"]!.data)).toBe('"yes"');
    watch.close();
    await seen.done;

    // From an id: only what followed it.
    const replay = client.watch({ threads: [{ threadId: "w-order", afterEventId: 2n }] });
    const replayed = collect(replay);
    expect((await replayed.until(3)).map((e) => e.eventId)).toEqual([3n, 4n, 5n]);
    replay.close();
    await replayed.done;
  });

  it("subscribes and unsubscribes on a live watch", async () => {
    const watch = client.watch({});
    const seen = collect(watch);
    watch.subscribe("w-live-a");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await put(client, "w-live-a", 1);
    await seen.until(1);
    watch.subscribe({ threadId: "w-live-b" });
    watch.unsubscribe("w-live-a");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await put(client, "w-live-a", 2);
    await put(client, "w-live-b", 1);
    const events = await seen.until(2);
    expect(events.map((e) => [e.threadId, e.eventId])).toEqual([
      ["w-live-a", 1n],
      ["w-live-b", 1n],
    ]);
    watch.close();
    await seen.done;
  });

  it("reconnects across a server restart and resumes after the last event id: no gap, no duplicate", async () => {
    const reconnects: number[] = [];
    const watch = client.watch({ threads: ["w-restart"], onReconnect: (attempt) => reconnects.push(attempt) });
    const seen = collect(watch);
    await put(client, "w-restart", 1);
    await put(client, "w-restart", 2);
    await seen.until(2);

    const { port } = server!;
    await server!.stop();
    server = await runCheckpointd({ dataDir, port });
    // Saved through another connection while the watch may still be reconnecting.
    const other = createCheckpointdClient({ address: server.address });
    try {
      await put(other, "w-restart", 3);
      await put(other, "w-restart", 4);
    } finally {
      await other.close();
    }
    const events = await seen.until(4);
    expect(events.map((e) => e.eventId)).toEqual([1n, 2n, 3n, 4n]);
    expect(events.map((e) => (e.kind.case === "checkpointSaved" ? e.kind.value.config?.checkpointId : undefined))).toEqual(
      [1, 2, 3, 4].map(id),
    );
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
    watch.close();
    await seen.done;
    expect(seen.events).toHaveLength(4);
  });
});
