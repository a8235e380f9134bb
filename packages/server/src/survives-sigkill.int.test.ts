import { randomBytes, randomInt } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { sql } from "kysely";
import { versionKeySql } from "./storage/checkpoint-codec.js";
import { connectDatabase } from "./storage/connect-database.js";
import {
  createDatabase,
  freePort,
  spawnCheckpointd,
  startRedis,
  type RedisInstance,
  type SpawnedCheckpointd,
} from "@checkpointd/test-support";

const WRITERS = 8;
const KILLS = 5;
const checkpointId = (step: number) => `1f0c0000-0000-6000-8000-${String(step).padStart(12, "0")}`;

/** What a writer was told succeeded: each acknowledged step's values and writes, to read back byte for byte. */
interface Acknowledged {
  threadId: string;
  step: number;
  messages: Uint8Array;
  state: Uint8Array;
  writes: Uint8Array[];
}

let redis: RedisInstance;
let databaseUrl: string;
let port: number;
let server: SpawnedCheckpointd | undefined;

const start = async () => {
  server = await spawnCheckpointd(["--port", String(port), "--http-port", "off", "--shutdown-grace-ms", "100"], {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
  });
};

beforeAll(async () => {
  redis = await startRedis();
  databaseUrl = await createDatabase(process.env.CHECKPOINTD_TEST_DATABASE_URL!);
  port = await freePort();
  await start();
});
afterAll(async () => {
  await server?.stop(5_000);
  await redis?.stop();
});

/** Runs `call` until it succeeds: a client retrying through the server's deaths (bounded by `deadline`). */
async function untilAcknowledged(call: () => Promise<unknown>, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    try {
      await call();
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return false;
}

/** One thread's history: Put step n (parent n-1), then its pending writes, as fast as the server takes them. */
async function writer(client: Client<typeof CheckpointService>, threadId: string, stopAt: () => boolean, deadline: number) {
  const acknowledged: Acknowledged[] = [];
  for (let step = 0; !stopAt(); step++) {
    const messages = randomBytes(randomInt(64, 2_048));
    const state = randomBytes(randomInt(8, 256));
    const version = (n: number) => ({ kind: { case: "intValue" as const, value: BigInt(n) } });
    const putOk = await untilAcknowledged(
      () =>
        client.put(
          {
            config: { threadId, checkpointNs: "", checkpointId: step === 0 ? "" : checkpointId(step - 1) },
            checkpoint: {
              v: 4,
              id: checkpointId(step),
              ts: new Date(Date.UTC(2026, 0, 1) + step * 1000).toISOString(),
              channelValues: { messages: { type: "bytes", data: messages }, state: { type: "bytes", data: state } },
              channelVersions: { messages: version(step + 1), state: version(step + 1) },
            },
            metadata: { step },
            newVersions: { messages: version(step + 1), state: version(step + 1) },
          },
          { timeoutMs: 2_000 },
        ),
      deadline,
    );
    if (!putOk) break;
    const writes = [randomBytes(randomInt(1, 512)), randomBytes(randomInt(1, 512))];
    const writesOk = await untilAcknowledged(
      () =>
        client.putWrites(
          {
            config: { threadId, checkpointNs: "", checkpointId: checkpointId(step) },
            taskId: `task-${step}`,
            taskPath: "",
            writes: writes.map((data, i) => ({ channel: `out${i}`, value: { type: "bytes", data } })),
          },
          { timeoutMs: 2_000 },
        ),
      deadline,
    );
    acknowledged.push({ threadId, step, messages, state, writes: writesOk ? writes : [] });
    if (!writesOk) break;
  }
  return acknowledged;
}

it(`keeps every acknowledged Put and PutWrites of ${WRITERS} writers across ${KILLS} SIGKILLs under load`, async () => {
  const client = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
  let stopping = false;
  const deadline = Date.now() + 90_000;
  const writers = Array.from({ length: WRITERS }, (_, i) => writer(client, `killed-${i}`, () => stopping, deadline));

  for (let kill = 0; kill < KILLS; kill++) {
    await new Promise((resolve) => setTimeout(resolve, randomInt(300, 1_500)));
    server!.process.kill("SIGKILL");
    await server!.exited;
    await start();
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  stopping = true;
  const acknowledged = (await Promise.all(writers)).flat();

  // Every acknowledged checkpoint and write reads back byte for byte.
  let mismatches = 0;
  for (const ack of acknowledged) {
    const { tuple } = await client.getTuple({ config: { threadId: ack.threadId, checkpointNs: "", checkpointId: checkpointId(ack.step) } });
    const values = tuple?.checkpoint?.channelValues;
    const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.compare(a, b) === 0;
    const writesBack = (tuple?.pendingWrites ?? []).filter((w) => w.taskId === `task-${ack.step}`).map((w) => w.value?.data);
    const ok =
      same(values?.messages?.data, ack.messages) &&
      same(values?.state?.data, ack.state) &&
      writesBack.length === ack.writes.length &&
      ack.writes.every((data, i) => same(writesBack[i], data));
    if (!ok) mismatches++;
  }

  // No checkpoint row, acknowledged or not, lacks a value it names (every step here writes both channels).
  const { db } = await connectDatabase({ databaseUrl, dataDir: "memory://" });
  const incompleteCheckpoints = async () =>
    Number(
      (
        await sql<{ n: string }>`
          select count(*) as n from checkpoints c
          cross join lateral jsonb_each(c.checkpoint -> 'channel_versions') as v(channel, stored)
          where not exists (
            select 1 from checkpoint_blobs b
            where b.thread_id = c.thread_id and b.checkpoint_ns = c.checkpoint_ns
              and b.channel = v.channel and b.version = ${versionKeySql(sql`v.stored`)} and b.blob is not null)`.execute(db)
      ).rows[0]!.n,
    );
  let incomplete: number;
  let control: number;
  try {
    incomplete = await incompleteCheckpoints();
    // The check itself can fail: one value removed makes exactly one checkpoint incomplete.
    await sql`delete from checkpoint_blobs where ctid = (select ctid from checkpoint_blobs where channel = 'state' limit 1)`.execute(db);
    control = await incompleteCheckpoints();
  } finally {
    await db.destroy();
  }
  const writes = acknowledged.reduce((n, a) => n + (a.writes.length > 0 ? 1 : 0), 0);
  console.log(`SIGKILL x${KILLS}: ${acknowledged.length} acknowledged Puts and ${writes} acknowledged PutWrites checked`);
  expect({ mismatches, incomplete, control }).toEqual({ mismatches: 0, incomplete: 0, control: 1 });
  expect(acknowledged.length).toBeGreaterThan(WRITERS * 5);
}, 180_000);
