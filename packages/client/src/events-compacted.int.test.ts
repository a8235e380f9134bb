import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { retentionStep } from "@checkpointd/test-support";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";
import { createCheckpointdClient, type CheckpointdClient } from "./create-checkpointd-client.js";
import { EventsCompactedError } from "./events-compacted-error.js";

describe("the TS client on a thread whose event log was compacted", () => {
  let server: TestServer;
  let client: CheckpointdClient;
  let compacted = 0n;
  beforeAll(async () => {
    server = await startTestServer("pglite", undefined, {
      retention: { maxVersions: 2, maxAgeMs: 0, ttlMs: 0, ttlStrategy: "delete", refreshOnRead: false },
      sweeper: { intervalMs: 86_400_000, batch: 10 },
    });
    client = createCheckpointdClient({ address: `127.0.0.1:${server.port}` });
    for (let i = 0; i < 6; i++) {
      const step = retentionStep("t", "", i);
      await client.put(step.put);
      await client.putWrites(step.writes);
    }
    await server.sweeper!.runPass({ force: true });
    const thread = await client.getThread("t");
    expect(thread.checkpointCount).toBe(2n);
    compacted = BigInt(
      (
        await server.db
          .selectFrom("thread_event_counters")
          .select("compacted_through")
          .where("thread_id", "=", "t")
          .executeTakeFirstOrThrow()
      ).compacted_through,
    );
    expect(compacted).toBe(8n);
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it("watch() ends with EventsCompactedError naming the thread and the id to resume after", async () => {
    const watch = client.watch({ threads: [{ threadId: "t", afterEventId: 3n }] });
    const error = await (async () => {
      for await (const event of watch) void event;
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EventsCompactedError);
    expect(error).toMatchObject({ threadId: "t", compactedThrough: compacted });
    // Resuming after the compaction point replays what is kept.
    const again = client.watch({ threads: [{ threadId: "t", afterEventId: compacted }] });
    for await (const event of again) {
      expect(event.eventId).toBe(compacted + 1n);
      break;
    }
    again.close();
  });

  it("subscribe() throws it too; setRetention and getThread answer", async () => {
    const error = await (async () => {
      for await (const r of client.subscribe({ threadId: "t", afterEventId: 0n })) void r;
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EventsCompactedError);
    expect(error).toMatchObject({ threadId: "t", compactedThrough: compacted });
    const pinned = await client.setRetention({ threadId: "t", policy: { pinned: true } });
    expect(pinned.threadPolicy?.pinned).toBe(true);
    expect((await client.getThread("t")).policy?.pinned).toBe(true);
  });
});
