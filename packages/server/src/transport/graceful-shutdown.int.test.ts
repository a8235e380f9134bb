import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { createDatabase, spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";

const value = (kib: number, fill: number) => ({ type: "bytes", data: new Uint8Array(kib * 1024).fill(fill) });
const version = (n: number) => ({ kind: { case: "intValue" as const, value: BigInt(n) } });

describe("SIGTERM", () => {
  let server: SpawnedCheckpointd;
  let client: ReturnType<typeof createClient<typeof CheckpointService>>;

  beforeAll(async () => {
    const url = await createDatabase(process.env.CHECKPOINTD_TEST_DATABASE_URL!);
    server = await spawnCheckpointd(["--shutdown-grace-ms", "10000"], { DATABASE_URL: url });
    client = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }));
    // 40 checkpoints of 64 KiB each: a List of it cannot fit in the HTTP/2 windows, so every stream stays open while unread.
    for (let i = 0; i < 40; i++) {
      await client.put({
        config: { threadId: "history" },
        checkpoint: {
          id: `c${String(i).padStart(3, "0")}`,
          channelValues: { big: value(64, i) },
          channelVersions: { big: version(i + 1) },
        },
        newVersions: { big: version(i + 1) },
      });
    }
  });
  afterAll(async () => {
    await server.stop(1_000);
  });

  it("finishes in-flight unary calls, ends open streams with UNAVAILABLE and exits 0 within 15 s", async () => {
    // 50 List streams, each read once and then left unread.
    const streams = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const iterator = client.list({ config: { threadId: "history" } })[Symbol.asyncIterator]();
        const first = await iterator.next();
        expect(first.done).toBe(false);
        return iterator;
      }),
    );

    // A burst of unary calls, in flight when the signal arrives.
    const unary = Array.from({ length: 100 }, (_, i) =>
      client.put({
        config: { threadId: `unary-${i}` },
        checkpoint: { id: "c1", channelValues: { v: value(32, i) }, channelVersions: { v: version(1) } },
        newVersions: { v: version(1) },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    server.process.kill("SIGTERM");

    const settled = await Promise.allSettled(unary);
    expect(settled.filter((s) => s.status === "rejected").map((s) => String((s as PromiseRejectedResult).reason))).toEqual([]);

    const endings = await Promise.all(
      streams.map(async (iterator) => {
        try {
          for (let r = await iterator.next(); !r.done; r = await iterator.next());
          return "completed";
        } catch (error) {
          return error instanceof ConnectError ? Code[error.code] : String(error);
        }
      }),
    );
    expect(endings).toEqual(Array(50).fill(Code[Code.Unavailable]));

    const { code } = await server.exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
