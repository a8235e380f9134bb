import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Kysely } from "kysely";
import type { Checkpoint } from "../domain/checkpoint.js";
import type { NewEvent } from "../domain/thread-event.js";
import { openTestDatabase, testEngines } from "@checkpointd/test-support/server";
import type { PutCheckpointInput, Storage, TenantStorage } from "./checkpoint-storage.js";
import type { Database } from "./database-schema.js";
import { createKyselyStorage } from "./kysely-storage.js";
import { DEFAULT_TENANT } from "../domain/call-identity.js";

// A client that timed out after the server committed retries the same call: the retry must be
// harmless, and that includes the event log (watchers would otherwise see the step twice).

const bytes = (text: string) => new TextEncoder().encode(text);
const event = (kind: NewEvent["kind"]): NewEvent => ({ checkpointNs: "", kind, body: bytes(kind) });

function putOf(threadId: string, value: string, step = 1): PutCheckpointInput {
  const checkpoint: Checkpoint = {
    v: 4,
    id: `1f0b0000-0000-6000-8000-${String(step).padStart(12, "0")}`,
    ts: "2026-01-01T00:00:00.000Z",
    channelValues: { a: { type: "json", data: bytes(JSON.stringify(value)) } },
    channelVersions: { a: BigInt(step) },
    versionsSeen: {},
    updatedChannels: [],
    pendingSends: [],
    extra: {},
  };
  return { threadId, checkpointNs: "", parentCheckpointId: undefined, checkpoint, metadata: { value }, newVersions: { a: BigInt(step) } };
}

describe.each(testEngines)("retried writes on %s", (engine) => {
  let db: Kysely<Database>;
  let storages: TenantStorage;
  let storage: Storage;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    storages = createKyselyStorage({ db });
    storage = storages.forTenant(DEFAULT_TENANT);
  });
  afterAll(() => storages.close());

  const events = async (threadId: string) =>
    (await db.selectFrom("thread_events").select(["event_id", "kind"]).where("thread_id", "=", threadId).orderBy("event_id").execute()).map(
      (r) => `${String(r.event_id)}:${r.kind}`,
    );

  it("appends one checkpoint_saved for a Put sent twice, and another when the same id comes with new content", async () => {
    await storage.put(putOf("put-twice", "x"), [event("checkpoint_saved")]);
    await storage.put(putOf("put-twice", "x"), [event("checkpoint_saved")]);
    expect(await events("put-twice")).toEqual(["1:checkpoint_saved"]);
    await storage.put(putOf("put-twice", "y"), [event("checkpoint_saved")]);
    expect(await events("put-twice")).toEqual(["1:checkpoint_saved", "2:checkpoint_saved"]);
    const tuple = await storage.getTuple({ threadId: "put-twice", checkpointNs: "", checkpointId: undefined });
    expect(tuple?.metadata).toEqual({ value: "y" });
  });

  it("keeps the ids gapless when a retried Put and a new one are written as one group", async () => {
    await storage.put(putOf("group-old", "x"), [event("checkpoint_saved")]);
    // Started in one turn, the two Puts of distinct threads go as one statement.
    await Promise.all([
      storage.put(putOf("group-old", "x"), [event("checkpoint_saved")]),
      storage.put(putOf("group-new", "x"), [event("checkpoint_saved")]),
    ]);
    expect(await events("group-old")).toEqual(["1:checkpoint_saved"]);
    expect(await events("group-new")).toEqual(["1:checkpoint_saved"]);
    await storage.put(putOf("group-old", "z", 2), [event("checkpoint_saved")]);
    expect(await events("group-old")).toEqual(["1:checkpoint_saved", "2:checkpoint_saved"]);
  });

  it("appends one writes_saved for writes sent twice; a special write with a new value appends another", async () => {
    await storage.put(putOf("writes-twice", "x"));
    const key = { threadId: "writes-twice", checkpointNs: "", checkpointId: putOf("writes-twice", "x").checkpoint.id };
    const ordinary = { key, taskId: "t", taskPath: "", writes: [{ channel: "a", value: { type: "json", data: bytes("1") } }] };
    await storage.putWrites(ordinary, [event("writes_saved")]);
    await storage.putWrites(ordinary, [event("writes_saved")]);
    expect(await events("writes-twice")).toEqual(["1:writes_saved"]);

    const special = (value: string) => ({
      key,
      taskId: "t",
      taskPath: "",
      writes: [{ channel: "__interrupt__", value: { type: "json", data: bytes(value) } }],
    });
    await storage.putWrites(special("ask"), [event("interrupted")]);
    await storage.putWrites(special("ask"), [event("interrupted")]);
    expect(await events("writes-twice")).toEqual(["1:writes_saved", "2:interrupted"]);
    await storage.putWrites(special("ask again"), [event("interrupted")]);
    expect(await events("writes-twice")).toEqual(["1:writes_saved", "2:interrupted", "3:interrupted"]);
  });

  it("appends one event for a PutWrites too large for one statement, sent twice", async () => {
    await storage.put(putOf("wide-writes", "x"));
    const key = { threadId: "wide-writes", checkpointNs: "", checkpointId: putOf("wide-writes", "x").checkpoint.id };
    const writes = Array.from({ length: 2_500 }, (_, i) => ({ channel: `c${i}`, value: { type: "json", data: bytes(String(i)) } }));
    await storage.putWrites({ key, taskId: "t", taskPath: "", writes }, [event("writes_saved")]);
    await storage.putWrites({ key, taskId: "t", taskPath: "", writes }, [event("writes_saved")]);
    expect(await events("wide-writes")).toEqual(["1:writes_saved"]);
  });

  it("still checks the fencing token of a PutWrites too large for one statement when its retry writes nothing", async () => {
    await storage.put(putOf("wide-fenced", "x"), [event("checkpoint_saved")]);
    const key = { threadId: "wide-fenced", checkpointNs: "", checkpointId: putOf("wide-fenced", "x").checkpoint.id };
    const writes = Array.from({ length: 2_500 }, (_, i) => ({ channel: `c${i}`, value: { type: "json", data: bytes(String(i)) } }));
    await storage.putWrites({ key, taskId: "t", taskPath: "", writes }, [event("writes_saved")]);
    // The thread is leased now: the same writes again, without the token, change nothing and are still refused.
    const taken = await storage.acquireLease({
      threadId: "wide-fenced",
      leaseId: "lease-1",
      holder: "worker-a",
      ttlMs: 60_000,
      acquiredEvent: () => ({ checkpointNs: "", kind: "lease_acquired", body: bytes("acquired") }),
      expiredEvent: () => ({ checkpointNs: "", kind: "lease_expired", body: bytes("expired") }),
    });
    expect(taken.acquired).toBe(true);
    await expect(storage.putWrites({ key, taskId: "t", taskPath: "", writes }, [event("writes_saved")])).rejects.toThrow(
      /leased by worker-a/,
    );
    const token = taken.acquired ? taken.lease.fencingToken : 0n;
    await storage.putWrites({ key, taskId: "t", taskPath: "", writes, fencingToken: token }, [event("writes_saved")]);
    expect((await events("wide-fenced")).filter((e) => e.endsWith("writes_saved"))).toEqual(["2:writes_saved"]);
  });
});
