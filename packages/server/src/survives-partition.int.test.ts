import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import {
  createDatabase,
  spawnCheckpointd,
  startRedis,
  startTcpProxy,
  type CutMode,
  type RedisInstance,
  type SpawnedCheckpointd,
  type TcpProxy,
} from "@checkpointd/test-support";

type CheckpointClient = Client<typeof CheckpointService>;

const THREADS = 8;
const RUN_MS = Number(process.env.CHECKPOINTD_PARTITION_RUN_MS ?? 30_000);
const CUT_FROM_MS = RUN_MS / 3;
const CUT_MS = RUN_MS / 3;
const id = (step: number) => `1f0e0000-0000-6000-8000-${String(step).padStart(12, "0")}`;
const version = (n: number) => ({ kind: { case: "intValue" as const, value: BigInt(n) } });

let redis: RedisInstance;
let proxy: TcpProxy;
const spawned: SpawnedCheckpointd[] = [];
afterAll(async () => {
  await Promise.all(spawned.map((s) => s.stop(5_000)));
  await proxy?.close();
  await redis?.stop();
});
beforeAll(async () => {
  redis = await startRedis();
  proxy = await startTcpProxy(redis.port);
});

const clientOf = (server: SpawnedCheckpointd): CheckpointClient =>
  createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }));

/**
 * 8 writers through A (each on a thread of its own, Put after Put), 8 readers through B (GetTuple
 * latest of a random thread); A reaches Redis through the proxy, B directly. A read is stale when
 * it returns a step older than the last one acknowledged before the read was sent.
 */
async function runPartition(mode: CutMode) {
  const databaseUrl = await createDatabase(process.env.CHECKPOINTD_TEST_DATABASE_URL!);
  const [a, b] = await Promise.all([
    spawnCheckpointd(["--http-port", "off"], { DATABASE_URL: databaseUrl, REDIS_URL: `redis://127.0.0.1:${proxy.port}` }),
    spawnCheckpointd(["--http-port", "off"], { DATABASE_URL: databaseUrl, REDIS_URL: redis.url }),
  ]);
  spawned.push(a, b);
  const [viaA, viaB] = [clientOf(a), clientOf(b)];
  const acknowledged = new Array<number>(THREADS).fill(-1);
  const counts = { writes: 0, reads: 0, stale: 0, errors: 0 };
  const started = Date.now();
  const until = started + RUN_MS;

  const writer = async (t: number) => {
    for (let step = 0; Date.now() < until; step++) {
      try {
        await viaA.put({
          config: { threadId: `p-${t}`, checkpointNs: "", checkpointId: step === 0 ? "" : id(step - 1) },
          checkpoint: {
            v: 4,
            id: id(step),
            ts: new Date().toISOString(),
            channelValues: { messages: { type: "json", data: new TextEncoder().encode(`[${step}]`) } },
            channelVersions: { messages: version(step + 1) },
          },
          metadata: { step },
          newVersions: { messages: version(step + 1) },
        });
        acknowledged[t] = step;
        counts.writes++;
      } catch {
        counts.errors++;
        step--;
      }
    }
  };
  const reader = async () => {
    while (Date.now() < until) {
      const t = randomInt(THREADS);
      const atLeast = acknowledged[t]!;
      try {
        const { tuple } = await viaB.getTuple({ config: { threadId: `p-${t}`, checkpointNs: "" } });
        const step = tuple === undefined ? -1 : Number(tuple.metadata?.step);
        counts.reads++;
        if (step < atLeast) counts.stale++;
      } catch {
        counts.errors++;
      }
    }
  };
  const cut = (async () => {
    await new Promise((resolve) => setTimeout(resolve, CUT_FROM_MS));
    proxy.cut(mode);
    await new Promise((resolve) => setTimeout(resolve, CUT_MS));
    proxy.heal();
  })();
  await Promise.all([...Array.from({ length: THREADS }, (_, t) => writer(t)), ...Array.from({ length: THREADS }, reader), cut]);
  console.log(
    `partition (${mode}, ${CUT_MS / 1000} s of ${RUN_MS / 1000} s): ${counts.reads} reads checked through B, ${counts.writes} writes acknowledged through A, ${counts.stale} stale, ${counts.errors} client errors`,
  );
  return counts;
}

describe("a partition that cuts one replica off Redis while the other keeps it", () => {
  for (const mode of ["reset", "drop"] as const) {
    it(
      `serves no stale read and no error when the link is cut (${mode})`,
      async () => {
        const counts = await runPartition(mode);
        expect({ stale: counts.stale, errors: counts.errors }).toEqual({ stale: 0, errors: 0 });
        expect(counts.reads).toBeGreaterThan(100);
        expect(counts.writes).toBeGreaterThan(50);
      },
      RUN_MS + 90_000,
    );
  }
});
