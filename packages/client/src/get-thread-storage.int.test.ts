import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Code, ConnectError } from "@connectrpc/connect";
import { randomBytes } from "node:crypto";
import { createDatabase, runCheckpointd, type RunningCheckpointd } from "@checkpointd/test-support";
import { createCheckpointdClient, type CheckpointdClient } from "./create-checkpointd-client.js";

const id = (n: number) => `1f0b0000-0000-6000-8000-${String(n).padStart(12, "0")}`;
const version = (n: number) => ({ kind: { case: "intValue" as const, value: BigInt(n) } });

/** Random bytes: nothing for TOAST to compress, so stored bytes are what chunking leaves. */
const first = new Uint8Array(randomBytes(40_000));
const second = new Uint8Array([...first, ...randomBytes(3_000)]);
const bigWrite = new Uint8Array(randomBytes(20_000));

/** Two checkpoints: `messages` above the chunk threshold (8 KiB) and grown by appending, `step` inline; two writes. */
async function writeThread(client: CheckpointdClient, threadId: string): Promise<void> {
  for (const [n, messages] of [first, second].entries()) {
    const step = new TextEncoder().encode(String(n + 1));
    await client.put({
      config: { threadId, checkpointNs: "", ...(n === 0 ? {} : { checkpointId: id(n) }) },
      checkpoint: {
        v: 4,
        id: id(n + 1),
        ts: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
        channelValues: { messages: { type: "msgpack", data: messages }, step: { type: "json", data: step } },
        channelVersions: { messages: version(n + 1), step: version(n + 1) },
      },
      metadata: { source: "loop", step: n },
      newVersions: { messages: version(n + 1), step: version(n + 1) },
    });
  }
  await client.putWrites({
    config: { threadId, checkpointNs: "", checkpointId: id(2) },
    taskId: "task-1",
    writes: [
      { channel: "messages", value: { type: "msgpack", data: bigWrite } },
      { channel: "step", value: { type: "json", data: new TextEncoder().encode("3") } },
    ],
  });
}

describe.each([
  ["PGlite", () => runCheckpointd()],
  ["PostgreSQL", async () => runCheckpointd({ databaseUrl: await createDatabase(process.env.CHECKPOINTD_TEST_DATABASE_URL!) })],
])("client.getThreadStorage against a real checkpointd (%s)", (_engine, start) => {
  let server: RunningCheckpointd;
  let client: CheckpointdClient;
  beforeAll(async () => {
    server = await start();
    client = createCheckpointdClient({ address: server.address });
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it("reports a chunked channel's logical bytes against the fewer bytes stored", async () => {
    await writeThread(client, "storage");
    const storage = await client.getThreadStorage("storage");
    expect(storage.found).toBe(true);
    expect(storage.checkpointCount).toBe(2n);
    expect(storage.channels.map((c) => c.channel)).toEqual(["messages", "step"]);
    const [messages, step] = storage.channels.map((c) => c.values!);

    // Both versions of messages are chunk lists sharing all but the chunks around the appended tail.
    expect(messages!.count).toBe(2n);
    expect(messages!.chunkedCount).toBe(2n);
    expect(messages!.logicalBytes).toBe(BigInt(first.length + second.length));
    expect(messages!.storedBytes).toBeGreaterThanOrEqual(BigInt(second.length));
    expect(messages!.storedBytes).toBeLessThan((messages!.logicalBytes * 6n) / 10n);

    expect(step!.count).toBe(2n);
    expect(step!.chunkedCount).toBe(0n);
    expect(step!.logicalBytes).toBe(2n);

    expect(storage.pendingWrites!.count).toBe(2n);
    expect(storage.pendingWrites!.chunkedCount).toBe(1n);
    expect(storage.pendingWrites!.logicalBytes).toBe(BigInt(bigWrite.length + 1));

    expect(storage.chunkCount).toBeGreaterThan(0n);
    expect(storage.chunkBytes).toBeGreaterThanOrEqual(BigInt(second.length + bigWrite.length));
    expect(storage.checkpointBytes).toBeGreaterThan(0n);
    const logical = [messages!, step!, storage.pendingWrites!].reduce((sum, v) => sum + v.logicalBytes, storage.checkpointBytes);
    expect(storage.logicalBytes).toBe(logical);
    expect(storage.storedBytes).toBeLessThan(storage.logicalBytes);

    // Deleting the thread frees what it stored.
    await client.deleteThread("storage");
    const gone = await client.getThreadStorage("storage");
    expect([gone.found, gone.checkpointCount, gone.logicalBytes, gone.storedBytes, gone.chunkCount]).toEqual([false, 0n, 0n, 0n, 0n]);
  });

  it("answers found: false for a thread with nothing stored, and INVALID_ARGUMENT without a thread id", async () => {
    const none = await client.getThreadStorage("never-written");
    expect([none.found, none.checkpointCount, none.channels, none.logicalBytes]).toEqual([false, 0n, [], 0n]);
    const refused = await client.getThreadStorage("").then(
      () => undefined,
      (error: unknown) => ConnectError.from(error),
    );
    expect(refused?.code).toBe(Code.InvalidArgument);
    expect(refused?.rawMessage).toMatch(/thread_id/);
  });
});
