import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import type { Kysely } from "kysely";
import { openTestDatabase } from "@checkpointd/test-support/server";
import { createDatabase } from "@checkpointd/test-support";
import type { Database } from "./database-schema.js";
import { guardStorage } from "./guard-storage.js";
import { createKyselyStorage } from "./kysely-storage.js";
import { DEFAULT_TENANT } from "../domain/call-identity.js";
import type { Storage, TenantStorage } from "./checkpoint-storage.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A real deadlock between a PutWrites and another transaction on PostgreSQL:
 * the other transaction holds the thread's event counter, the PutWrites'
 * statement inserts its write and waits for that counter, then the other
 * transaction inserts the same write key. PostgreSQL aborts the PutWrites (its
 * deadlock check, after the default 1 s, comes first: the other session's
 * deadlock_timeout is 10 s), and the storage guard runs it again.
 */
describe("a write that loses a deadlock", () => {
  let url: string;
  let db: Kysely<Database>;
  let storage: Storage;
  let storages: TenantStorage;
  let other: pg.Client;

  beforeAll(async () => {
    const admin = process.env.CHECKPOINTD_TEST_DATABASE_URL;
    if (admin === undefined) throw new Error("CHECKPOINTD_TEST_DATABASE_URL is not set (see jest globalSetup)");
    url = await createDatabase(admin);
    db = await openTestDatabase("postgres", url);
    storages = createKyselyStorage({ db });
    storage = guardStorage(storages.forTenant(DEFAULT_TENANT));
    other = new pg.Client({ connectionString: url });
    await other.connect();
  });
  afterAll(async () => {
    await other.end();
    await storages.close();
  });

  const deadlocks = async () => {
    const { rows } = await other.query<{ n: string }>("select deadlocks as n from pg_stat_database where datname = current_database()");
    return Number(rows[0]?.n ?? 0);
  };

  it("is run again and stored once, with its event", async () => {
    const before = await deadlocks();
    const key = { threadId: "locked", checkpointNs: "", checkpointId: "c1" };
    await other.query("begin");
    await other.query("set local deadlock_timeout = '10s'");
    await other.query(
      `insert into thread_event_counters (tenant, thread_id, last_event_id) values ('default', 'locked', 1)
       on conflict (tenant, thread_id) do update set last_event_id = thread_event_counters.last_event_id + 1`,
    );
    const writes = storage.putWrites(
      { key, taskId: "task", taskPath: "", writes: [{ channel: "a", value: { type: "json", data: new TextEncoder().encode('"mine"') } }] },
      [{ checkpointNs: "", kind: "writes_saved", body: new TextEncoder().encode("saved") }],
    );
    // Wait until the PutWrites, its write inserted, waits for the counter the other transaction holds.
    const otherPid = (await other.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
    for (let i = 0; ; i++) {
      const { rows } = await other.query(
        "select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> $1",
        [otherPid],
      );
      if (rows.length > 0) break;
      if (i > 250) throw new Error("the PutWrites never waited for the other transaction");
      await sleep(20);
    }
    // Now the other transaction wants the key the PutWrites holds: a deadlock, and the PutWrites is the victim.
    await other.query(
      `insert into checkpoint_writes (tenant, thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, task_path)
       values ('default', 'locked', '', 'c1', 'task', 0, 'a', 'json', '\\x00', '')`,
    );
    await other.query("rollback");

    await expect(writes).resolves.toBeUndefined();
    const stored = await db.selectFrom("checkpoint_writes").select(["idx", "blob"]).where("thread_id", "=", "locked").execute();
    expect(stored.map((w) => [w.idx, new TextDecoder().decode(w.blob)])).toEqual([[0, '"mine"']]);
    expect((await storage.readEvents("locked", 0n, 10)).map((e) => [Number(e.eventId), new TextDecoder().decode(e.body)])).toEqual([
      [1, "saved"],
    ]);
    // The statistics are flushed a little after the aborted transaction.
    for (let i = 0; (await deadlocks()) === before; i++) {
      if (i > 100) throw new Error("PostgreSQL reported no deadlock: the test did not make one");
      await sleep(50);
    }
  });
});
