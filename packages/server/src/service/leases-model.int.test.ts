import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { PutRequestSchema, PutWritesRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { chainCheckpointId as cid, chainPut, chainWrites } from "@checkpointd/test-support";
import { createTestDatabase, startTestServer, testEngines, type TestEngine, type TestServer } from "@checkpointd/test-support/server";
import { toWatchEvent } from "../mapping/event-codec.js";
import type { EventKind } from "../domain/thread-event.js";

const OPS = 1_000;
const TIME_LIMIT_MS = 60_000;
const TTL_MS = 250;
const ttl = { seconds: 0n, nanos: TTL_MS * 1e6 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Sent =
  | { kind: "put"; request: MessageInitShape<typeof PutRequestSchema>; token: bigint }
  | { kind: "writes"; request: MessageInitShape<typeof PutWritesRequestSchema>; token: bigint };

interface Outcome {
  sent: Sent;
  acked: boolean;
  replay: boolean;
}

async function startReplicas(engine: TestEngine): Promise<TestServer[]> {
  if (engine === "pglite") {
    const a = await startTestServer("pglite");
    return [a, await startTestServer("pglite", undefined, { db: a.db })];
  }
  const urls = await createTestDatabase();
  const url = engine === "postgres" ? urls.direct : urls.pooled;
  return [await startTestServer(engine, url), await startTestServer(engine, url)];
}

/**
 * The model: 4 writers on one thread through two replicas, each taking the
 * lease, writing on top of the latest checkpoint with its token, renewing,
 * releasing, sleeping past its ttl and replaying old requests, at random, for
 * 1,000 operations. Then the thread's event log (in commit order) must show a
 * linear chain, and every write it holds must carry the token of the lease
 * that was live when it committed.
 */
describe.each(testEngines)("leases under 4 racing writers (%s)", (engine) => {
  let replicas: TestServer[];
  beforeAll(async () => {
    replicas = await startReplicas(engine);
  });
  afterAll(async () => {
    for (const r of [...replicas].reverse()) await r.close();
  });

  it("1,000 random operations leave a linear chain whose every write carried the then-current token", async () => {
    const threadId = `model-${engine}`;
    let ops = 0;
    let nextId = 0;
    const started = Date.now();
    const outcomes: Outcome[] = [];
    const counts = { acquired: 0, held: 0, renewLost: 0, released: 0, slept: 0 };

    async function send(client: TestServer["client"], sent: Sent, replay: boolean): Promise<boolean> {
      try {
        if (sent.kind === "put") await client.put(sent.request);
        else await client.putWrites(sent.request);
        outcomes.push({ sent, acked: true, replay });
        return true;
      } catch (error) {
        const e = ConnectError.from(error);
        if (e.code !== Code.FailedPrecondition) throw e;
        outcomes.push({ sent, acked: false, replay });
        return false;
      }
    }

    async function writer(w: number): Promise<void> {
      let lease: { leaseId: string; token: bigint } | undefined;
      let latest: string | undefined;
      const mine: Sent[] = [];
      let task = 0;
      while (ops < OPS && Date.now() - started < TIME_LIMIT_MS) {
        ops++;
        const client = replicas[(w + ops) % replicas.length]!.client;
        if (lease === undefined) {
          try {
            const got = await client.acquireLease({ threadId, holder: `writer-${w}`, ttl });
            lease = { leaseId: got.leaseId, token: got.fencingToken };
            latest = (await client.getTuple({ config: { threadId } })).tuple?.checkpoint?.id;
            counts.acquired++;
          } catch (error) {
            if (ConnectError.from(error).code !== Code.FailedPrecondition) throw error;
            counts.held++;
            await sleep(Math.random() * 60);
          }
          continue;
        }
        const r = Math.random();
        if (r < 0.5) {
          const id = cid(++nextId);
          const sent: Sent = { kind: "put", request: chainPut(threadId, id, latest, lease.token), token: lease.token };
          mine.push(sent);
          if (await send(client, sent, false)) latest = id;
          else lease = undefined;
        } else if (r < 0.6 && latest !== undefined) {
          const sent: Sent = {
            kind: "writes",
            request: chainWrites(threadId, latest, `w${w}-${++task}`, lease.token),
            token: lease.token,
          };
          mine.push(sent);
          if (!(await send(client, sent, false))) lease = undefined;
        } else if (r < 0.7) {
          try {
            await client.renewLease({ threadId, leaseId: lease.leaseId });
          } catch (error) {
            if (ConnectError.from(error).code !== Code.FailedPrecondition) throw error;
            counts.renewLost++;
            lease = undefined;
          }
        } else if (r < 0.75) {
          await client.releaseLease({ threadId, leaseId: lease.leaseId });
          counts.released++;
          lease = undefined;
        } else if (r < 0.9 && mine.length > 0) {
          // A request delayed in the network arrives again, with the token it was sent with.
          await send(client, mine[Math.floor(Math.random() * mine.length)]!, true);
        } else {
          counts.slept++;
          await sleep(Math.random() * TTL_MS * 1.6);
        }
        await sleep(Math.random() * 8);
      }
    }

    await Promise.all([0, 1, 2, 3].map(writer));
    expect(ops).toBeGreaterThanOrEqual(OPS);

    // The event log is in commit order: every write locks the thread's counter row, as every lease change does.
    const rows = await replicas[0]!.db
      .selectFrom("thread_events")
      .selectAll()
      .where("tenant", "=", "default")
      .where("thread_id", "=", threadId)
      .orderBy("event_id")
      .execute();
    const events = rows.map((r) =>
      toWatchEvent({
        ...r,
        eventId: BigInt(r.event_id),
        threadId: r.thread_id,
        checkpointNs: r.checkpoint_ns,
        kind: r.kind as EventKind,
        createdAt: new Date(r.created_at),
      }),
    );
    const tokenOfCheckpoint = new Map<string, bigint>();
    const tokenOfTask = new Map<string, bigint>();
    for (const { sent } of outcomes) {
      if (sent.kind === "put") tokenOfCheckpoint.set(sent.request.checkpoint!.id!, sent.token);
      else tokenOfTask.set(sent.request.taskId!, sent.token);
    }
    let live: bigint | undefined;
    const chain: Array<{ id: string; parent: string }> = [];
    const saved = new Set<string>();
    let writesSaved = 0;
    for (const event of events) {
      const { kind } = event;
      if (kind.case === "leaseAcquired") live = kind.value.fencingToken;
      else if (kind.case === "leaseReleased" || kind.case === "leaseExpired") {
        if (live === kind.value.fencingToken) live = undefined;
      } else if (kind.case === "checkpointSaved") {
        const id = kind.value.config!.checkpointId;
        expect({ id, token: tokenOfCheckpoint.get(id) }).toEqual({ id, token: live });
        if (!saved.has(id)) chain.push({ id, parent: kind.value.parentConfig?.checkpointId ?? "" });
        saved.add(id);
      } else if (kind.case === "writesSaved") {
        expect({ task: kind.value.taskId, token: tokenOfTask.get(kind.value.taskId) }).toEqual({ task: kind.value.taskId, token: live });
        writesSaved++;
      }
    }
    // Linear: each new checkpoint's parent is the one saved before it, and ids only grow.
    chain.forEach((link, i) => {
      expect(link.parent).toBe(i === 0 ? "" : chain[i - 1]!.id);
      if (i > 0) expect(link.id > chain[i - 1]!.id).toBe(true);
    });
    // Every acknowledged write is in the log; the stored history has no fork either.
    for (const o of outcomes.filter((o) => o.acked && o.sent.kind === "put")) {
      expect(saved.has((o.sent.request as { checkpoint: { id: string } }).checkpoint.id)).toBe(true);
    }
    const parents = await replicas[0]!.db
      .selectFrom("checkpoints")
      .select(["checkpoint_id", "parent_checkpoint_id"])
      .where("thread_id", "=", threadId)
      .execute();
    expect(parents).toHaveLength(chain.length);
    expect(new Set(parents.map((p) => p.parent_checkpoint_id ?? "")).size).toBe(parents.length);

    // The run exercised what it claims to: takeovers, refusals of late replays, expiries.
    const refusedReplays = outcomes.filter((o) => o.replay && !o.acked).length;
    const expiries = events.filter((e) => e.kind.case === "leaseExpired").length;
    const summary = {
      ...counts,
      chain: chain.length,
      writesSaved,
      refusedReplays,
      expiries,
      acked: outcomes.filter((o) => o.acked).length,
    };
    expect(summary.chain).toBeGreaterThan(50);
    expect(summary.acquired).toBeGreaterThan(10);
    expect(summary.refusedReplays).toBeGreaterThan(5);
    expect(summary.expiries).toBeGreaterThan(0);
    expect(summary.writesSaved).toBeGreaterThan(5);
    process.stdout.write(`leases model (${engine}): ${JSON.stringify(summary)}\n`);
  }, 120_000);
});
