import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import pg from "pg";
import {
  countMismatchedSteps,
  createDatabase,
  spawnCheckpointd,
  startAcknowledgedWriters,
  startPostgres,
  startTcpProxy,
  waitUntil,
  type PostgresInstance,
  type SpawnedCheckpointd,
  type TcpProxy,
} from "@checkpointd/test-support";

let primary: PostgresInstance;
let standby: PostgresInstance;
let proxy: TcpProxy;
let server: SpawnedCheckpointd;

async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  // Durable, with synchronous replication: a commit is acknowledged once the standby has flushed it.
  primary = await startPostgres({ durable: true });
  standby = await startPostgres({ durable: true, standbyOf: primary });
  await query(primary.url, "alter system set synchronous_standby_names = '*'");
  await query(primary.url, "select pg_reload_conf()");
  await waitUntil("the standby replicating synchronously", async () => {
    const rows = await query<{ sync_state: string }>(primary.url, "select sync_state from pg_stat_replication");
    if (rows[0]?.sync_state !== "sync") throw new Error(`sync_state ${rows[0]?.sync_state ?? "none"}`);
  });
  const databaseUrl = new URL(await createDatabase(primary.url));
  // The server reaches PostgreSQL through an address the test moves from the primary to the promoted standby.
  proxy = await startTcpProxy(primary.port);
  databaseUrl.port = String(proxy.port);
  server = await spawnCheckpointd(["--http-port", "off"], { DATABASE_URL: databaseUrl.toString() });
}, 120_000);
afterAll(async () => {
  await server?.stop(5_000);
  await proxy?.close();
  await standby?.destroy();
  await primary?.destroy();
});

it("serves again after the primary dies and its synchronous standby is promoted, losing no acknowledged write", async () => {
  const client = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }));
  const writers = startAcknowledgedWriters(client, { count: 4, prefix: "promoted", deadlineMs: 90_000 });
  await new Promise((resolve) => setTimeout(resolve, 2_000));

  await primary.crash();
  await standby.promote();
  proxy.retarget(standby.port);
  proxy.resetAll();
  const switchedAt = Date.now();

  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const acknowledged = await writers.stop();
  const afterSwitch = acknowledged.filter((step) => step.acknowledgedAt > switchedAt).length;
  const mismatches = await countMismatchedSteps(client, acknowledged);
  console.log(
    `promotion: ${acknowledged.length} acknowledged steps checked on the promoted standby (${afterSwitch} after the switch); longest failing stretch ${writers.longestOutageMs()} ms`,
  );
  expect(mismatches).toBe(0);
  // Writes went on after the switch, within a short window of UNAVAILABLE that the clients retried through.
  expect(afterSwitch).toBeGreaterThan(8);
  expect(writers.longestOutageMs()).toBeLessThan(15_000);
}, 180_000);
