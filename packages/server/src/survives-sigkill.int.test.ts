import { randomInt } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { sql } from "kysely";
import { versionKeySql } from "./storage/checkpoint-codec.js";
import { connectDatabase } from "./storage/connect-database.js";
import {
  countMismatchedSteps,
  createDatabase,
  freePort,
  spawnCheckpointd,
  startAcknowledgedWriters,
  startRedis,
  type RedisInstance,
  type SpawnedCheckpointd,
} from "@checkpointd/test-support";

const WRITERS = 8;
const KILLS = 5;

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

it(`keeps every acknowledged Put and PutWrites of ${WRITERS} writers across ${KILLS} SIGKILLs under load`, async () => {
  const client = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
  const writers = startAcknowledgedWriters(client, { count: WRITERS, prefix: "killed", deadlineMs: 90_000 });
  for (let kill = 0; kill < KILLS; kill++) {
    await new Promise((resolve) => setTimeout(resolve, randomInt(300, 1_500)));
    server!.process.kill("SIGKILL");
    await server!.exited;
    await start();
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const acknowledged = await writers.stop();

  // Every acknowledged checkpoint and write reads back byte for byte.
  const mismatches = await countMismatchedSteps(client, acknowledged);

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
