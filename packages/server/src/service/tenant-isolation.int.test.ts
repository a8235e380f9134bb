import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ConnectError } from "@connectrpc/connect";
import { BatchCallSchema, CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { sql, type Kysely } from "kysely";
import {
  batchProbes,
  createTenantKeyAuthenticator,
  isolationPorts,
  normalize,
  probeMetadata,
  rpcProbes,
  seedThread,
  startTestServer,
  tenantClient,
  testEngines,
  watchRequestKinds,
  type CheckpointClient,
  type SeededThread,
  type TestServer,
} from "@checkpointd/test-support/server";
import { createMemoryCache } from "../cache/memory-cache.js";
import type { Database } from "../storage/database-schema.js";

/** Every thread-keyed table and its key after (tenant, thread_id). */
const tableKeys: Record<keyof Database, string[]> = {
  checkpoints: ["thread_id", "checkpoint_ns", "checkpoint_id"],
  checkpoint_blobs: ["thread_id", "checkpoint_ns", "channel", "version"],
  checkpoint_writes: ["thread_id", "checkpoint_ns", "checkpoint_id", "task_id", "idx"],
  value_chunks: ["thread_id", "hash"],
  thread_event_counters: ["thread_id"],
  thread_events: ["thread_id", "event_id"],
  resumes: ["thread_id", "resume_id"],
  thread_leases: ["thread_id"],
};

/** Every row of a tenant, table by table, in key order. */
async function rowsOf(db: Kysely<Database>, tenant: string) {
  const out: Record<string, unknown[]> = {};
  for (const [table, keys] of Object.entries(tableKeys)) {
    let query = db
      .selectFrom(table as keyof Database)
      .selectAll()
      .where("tenant", "=", tenant);
    for (const key of keys) query = query.orderBy(sql.ref(key));
    out[table] = await query.execute();
  }
  return out;
}

/** A probe's answer, or the status it failed with: an error must not tell the two threads apart either. */
const answerOf = (call: Promise<unknown>) =>
  call.catch((error: unknown) => {
    const { code, rawMessage } = ConnectError.from(error);
    return { failed: code, message: rawMessage };
  });

/** What the owner reads of a thread: its whole history, newest first. */
async function history(client: CheckpointClient, threadId: string) {
  const tuples = [];
  for await (const r of client.list({ config: { threadId } })) tuples.push(r.tuple);
  return tuples;
}

describe("the isolation matrix covers", () => {
  it("every RPC of CheckpointService, every kind of Batch call and of Watch request", () => {
    expect(Object.keys(rpcProbes).sort()).toEqual(CheckpointService.methods.map((m) => m.localName).sort());
    expect(Object.keys(batchProbes).sort()).toEqual(BatchCallSchema.oneofs[0]!.fields.map((f) => f.localName).sort());
    expect(watchRequestKinds.sort()).toEqual(["claim", "resume", "subscribe", "unsubscribe"]);
  });
});

describe.each(testEngines)("tenants on %s", (engine) => {
  let server: TestServer;
  let keys: Awaited<ReturnType<typeof createTenantKeyAuthenticator>>;

  beforeAll(async () => {
    // Real API keys (--auth-keys-file), one admin key per tenant.
    keys = await createTenantKeyAuthenticator(isolationPorts.flatMap((port) => [`owner-${port}`, `prober-${port}`]));
    server = await startTestServer(engine, undefined, { authenticator: keys.authenticator, cache: createMemoryCache() });
  });
  afterAll(async () => {
    await server?.close();
    await keys?.close();
  });

  describe.each(isolationPorts)("on the %s port", (port) => {
    let owner: CheckpointClient;
    let prober: CheckpointClient;
    const seeded = new Map<string, SeededThread>();

    beforeAll(async () => {
      owner = tenantClient(server, port, `owner-${port}`);
      prober = tenantClient(server, port, `prober-${port}`);
      for (const method of Object.keys(rpcProbes)) {
        const thread = await seedThread(owner, `${port}-${method}`);
        // The owner holds each thread's lease: a probe that reached it would be refused or change it.
        const lease = await owner.acquireLease({ threadId: thread.threadId, holder: "owner-worker", ttl: { seconds: 600n } });
        seeded.set(method, { ...thread, leaseId: lease.leaseId });
      }
    });

    it("another tenant's thread reads nothing, changes nothing and answers as a thread that does not exist, in every RPC", async () => {
      const before = await rowsOf(server.db, `owner-${port}`);
      const histories = new Map<string, unknown>();
      for (const [method, target] of seeded) histories.set(method, await history(owner, target.threadId));
      // Warm the owner's cache entries: a probe must not be answered from them, nor drop them.
      for (const target of seeded.values()) await owner.getTuple({ config: { threadId: target.threadId, checkpointNs: "" } });

      for (const [method, probe] of Object.entries(rpcProbes)) {
        const target = seeded.get(method)!;
        const missing = {
          threadId: `${port}-${method}-missing`,
          resumeIds: target.resumeIds,
          runIds: ["no-such-run"],
          leaseId: target.leaseId,
        };
        const aimed = normalize(await answerOf(probe(prober, target)), target.threadId);
        const nowhere = normalize(await answerOf(probe(prober, missing)), missing.threadId);
        expect({ method, answer: aimed }).toEqual({ method, answer: nowhere });
      }

      expect(await rowsOf(server.db, `owner-${port}`)).toEqual(before);
      for (const [method, target] of seeded)
        expect({ method, history: await history(owner, target.threadId) }).toEqual({ method, history: histories.get(method) });
    });

    it("List without thread_id lists only the caller's threads", async () => {
      const ownerAll = [];
      for await (const r of owner.list({})) ownerAll.push(r.tuple!);
      const proberAll = [];
      for await (const r of prober.list({})) proberAll.push(r.tuple!);
      const ownerRows = await server.db.selectFrom("checkpoints").select("thread_id").where("tenant", "=", `owner-${port}`).execute();
      expect(ownerAll).toHaveLength(ownerRows.length);
      expect(ownerAll.every((t) => t.metadata?.owner === undefined)).toBe(true);
      expect(proberAll.length).toBeGreaterThan(0);
      expect(proberAll.every((t) => t.metadata?.owner === probeMetadata.owner)).toBe(true);
    });

    it("Subscribe and Watch push none of another tenant's events, before or after the caller's own", async () => {
      const threadId = `${port}-live`;
      await seedThread(owner, threadId);
      const calls = new AbortController();
      const subscribe = prober.subscribe({ threadId, afterEventId: 0n }, { signal: calls.signal })[Symbol.asyncIterator]();
      const watchEvents = prober
        .watch(
          (async function* () {
            yield { kind: { case: "subscribe" as const, value: { threadId, afterEventId: 0n } } };
            await new Promise((resolve) => calls.signal.addEventListener("abort", resolve));
          })(),
          { signal: calls.signal },
        )
        [Symbol.asyncIterator]();
      const firstEvent = async (stream: typeof subscribe | typeof watchEvents) => {
        for (;;) {
          const r = await stream.next();
          if (r.done === true) throw new Error("stream ended");
          if (r.value.event?.kind.case !== "heartbeat") return r.value.event!;
        }
      };
      const gotSubscribe = firstEvent(subscribe);
      const gotWatch = firstEvent(watchEvents);
      // The owner writes to the thread while the prober listens; then the prober writes to its own thread of that id.
      await owner.put(sampleNext(threadId));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await prober.put({ ...sampleNext(threadId), metadata: probeMetadata });
      for (const event of [await gotSubscribe, await gotWatch]) {
        expect(event.eventId).toBe(1n);
        expect(event.kind.case === "checkpointSaved" && event.kind.value.metadata).toEqual(probeMetadata);
      }
      calls.abort();
    });
  });
});

/** A checkpoint after the sample history's three. */
function sampleNext(threadId: string) {
  return {
    config: { threadId, checkpointNs: "", checkpointId: "1f0a0000-0000-6000-8000-000000000003" },
    checkpoint: { v: 4, id: "1f0a0000-0000-6000-8000-000000000004", ts: "2026-11-23T00:00:04Z" },
    metadata: { step: 3 },
  };
}
