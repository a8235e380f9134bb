import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { createDatabase, type RedisInstance, spawnCheckpointd, type SpawnedCheckpointd, startRedis } from "@checkpointd/test-support";

const durationMs = 20_000;
const threads = Array.from({ length: 8 }, (_, i) => `race-${i}`);
const id = (n: number) => String(n).padStart(10, "0");
const version = (n: number) => ({ kind: { case: "intValue" as const, value: BigInt(n) } });

describe("two replicas sharing PostgreSQL and Redis", () => {
  let redis: RedisInstance;
  const replicas: SpawnedCheckpointd[] = [];
  let clients: Client<typeof CheckpointService>[];

  beforeAll(async () => {
    redis = await startRedis();
    const url = await createDatabase(process.env.CHECKPOINTD_TEST_DATABASE_URL!);
    for (let i = 0; i < 2; i++) replicas.push(await spawnCheckpointd(["--log-level", "info"], { DATABASE_URL: url, REDIS_URL: redis.url }));
    clients = replicas.map((r) => createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${r.port}` })));
  });
  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await redis?.stop();
  });

  it("never returns a latest older than a Put acknowledged before the read, through a Redis crash and restart", async () => {
    const acked = new Map<string, number>(threads.map((t) => [t, -1]));
    const phase = { name: "before" as "before" | "during" | "after" };
    const checked = { before: 0, during: 0, after: 0 };
    const stale: string[] = [];
    const errors: string[] = [];
    const deadline = Date.now() + durationMs;

    const writer = async (thread: string, w: number) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const client = clients[(n + w) % 2]!;
        try {
          await client.put(
            {
              config: { threadId: thread, checkpointId: n === 0 ? "" : id(n - 1) },
              checkpoint: {
                v: 4,
                id: id(n),
                channelValues: { step: { type: "json", data: new TextEncoder().encode(String(n)) } },
                channelVersions: { step: version(n + 1) },
              },
              metadata: { step: n },
              newVersions: { step: version(n + 1) },
            },
            { timeoutMs: 10_000 },
          );
          acked.set(thread, n);
          if (n % 3 === 0) {
            await client.putWrites(
              {
                config: { threadId: thread, checkpointId: id(n) },
                taskId: `task-${n}`,
                writes: [{ channel: "out", value: { type: "json", data: new Uint8Array([n % 256]) } }],
              },
              { timeoutMs: 10_000 },
            );
          }
        } catch (error) {
          errors.push(`put ${thread}/${n}: ${String(error)}`);
        }
      }
    };
    const reader = async (r: number) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const thread = threads[(r + n) % threads.length]!;
        const floor = acked.get(thread)!; // the newest Put acknowledged before this read is sent
        const at = phase.name;
        try {
          const { tuple } = await clients[r % 2]!.getTuple({ config: { threadId: thread } }, { timeoutMs: 10_000 });
          const got = tuple === undefined ? -1 : Number(tuple.checkpoint!.id);
          if (got < floor) stale.push(`${at}: ${thread} read ${got} after ${floor} was acknowledged (replica ${r % 2})`);
          checked[at]++;
        } catch (error) {
          errors.push(`get ${thread}: ${String(error)}`);
        }
      }
    };
    const outage = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      phase.name = "during";
      await redis.kill();
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      await redis.start();
      phase.name = "after";
    })();

    await Promise.all([...threads.map((t, i) => writer(t, i)), ...Array.from({ length: 8 }, (_, r) => reader(r)), outage]);
    console.log(
      `replica race: ${checked.before + checked.during + checked.after} reads checked (before ${checked.before}, during ${checked.during}, after ${checked.after}); ${[...acked.values()].reduce((a, b) => a + b + 1, 0)} puts; ${stale.length} stale; ${errors.length} errors`,
    );
    expect(errors).toEqual([]);
    expect(stale).toEqual([]);
    for (const count of Object.values(checked)) expect(count).toBeGreaterThan(100);
    // Both replicas went through the outage and came back to the cache.
    for (const r of replicas) {
      const { stdout } = r.output();
      expect(stdout).toMatch(/redis cache unavailable: serving from storage/);
      expect(stdout).toMatch(/redis cache back/);
    }
  });
});
