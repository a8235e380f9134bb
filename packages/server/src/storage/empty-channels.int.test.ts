import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Kysely } from "kysely";
import type { Checkpoint } from "../domain/checkpoint.js";
import { openTestDatabase, testEngines } from "@checkpointd/test-support/server";
import type { Storage, TenantStorage } from "./checkpoint-storage.js";
import type { Database } from "./database-schema.js";
import { createKyselyStorage } from "./kysely-storage.js";
import { DEFAULT_TENANT } from "../domain/call-identity.js";

const value = (text: string) => ({ type: "json", data: new TextEncoder().encode(text) });

function checkpoint(id: string, versions: Record<string, bigint>, values: Checkpoint["channelValues"]): Checkpoint {
  return {
    v: 4,
    id,
    ts: "2026-01-01T00:00:00.000Z",
    channelValues: values,
    channelVersions: versions,
    versionsSeen: {},
    updatedChannels: [],
    pendingSends: [],
    extra: {},
  };
}

/** A channel version without a value (a channel LangGraph emptied) takes no checkpoint_blobs row and reads back absent. */
describe.each(testEngines)("channels without a value on %s", (engine) => {
  let db: Kysely<Database>;
  let storage: Storage;
  let storages: TenantStorage;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    storages = createKyselyStorage({ db });
    storage = storages.forTenant(DEFAULT_TENANT);
  });
  afterAll(() => storages.close());

  it("writes a blob row only for the versions that carry a value", async () => {
    const threadId = "empty-channel";
    await storage.put({
      threadId,
      checkpointNs: "",
      checkpoint: checkpoint("1", { a: 1n, emptied: 1n }, { a: value("a@1") }),
      metadata: {},
      newVersions: { a: 1n, emptied: 1n },
    });
    const rows = await db.selectFrom("checkpoint_blobs").select(["channel", "version", "type"]).where("thread_id", "=", threadId).execute();
    expect(rows).toEqual([{ channel: "a", version: "1", type: "json" }]);

    const tuple = await storage.getTuple({ threadId, checkpointNs: "" });
    expect(tuple?.checkpoint.channelValues).toEqual({ a: value("a@1") });
    expect(tuple?.checkpoint.channelVersions).toEqual({ a: 1n, emptied: 1n });
  });

  it("still reads a row with a null type, as servers that wrote one per empty version left, as absent", async () => {
    const threadId = "empty-channel-row";
    await db
      .insertInto("checkpoint_blobs")
      .values({ tenant: DEFAULT_TENANT, thread_id: threadId, checkpoint_ns: "", channel: "emptied", version: "1", type: null, blob: null })
      .execute();
    await storage.put({
      threadId,
      checkpointNs: "",
      checkpoint: checkpoint("1", { a: 1n, emptied: 1n }, { a: value("a@1") }),
      metadata: {},
      newVersions: { a: 1n },
    });
    const tuple = await storage.getTuple({ threadId, checkpointNs: "" });
    expect(tuple?.checkpoint.channelValues).toEqual({ a: value("a@1") });
  });

  it("gives a version first written empty its value when a later Put carries one", async () => {
    const threadId = "empty-then-value";
    const put = (id: string, values: Checkpoint["channelValues"]) =>
      storage.put({ threadId, checkpointNs: "", checkpoint: checkpoint(id, { b: 1n }, values), metadata: {}, newVersions: { b: 1n } });
    await put("1", {});
    await put("2", { b: value("b@1") });
    const tuple = await storage.getTuple({ threadId, checkpointNs: "", checkpointId: "2" });
    expect(tuple?.checkpoint.channelValues).toEqual({ b: value("b@1") });
  });
});
