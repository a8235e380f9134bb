import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { equals } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { CheckpointTupleSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { retentionCheckpointId, retentionStep } from "@checkpointd/test-support";
import { startTestServer, testEngines, type TestServer } from "@checkpointd/test-support/server";
import { sql } from "kysely";
import { createMemoryCache } from "../cache/memory-cache.js";

/**
 * Point-in-time reads (GetTuple.as_of, List.after_ts/before_ts) over the wire on threads the
 * sweeper has just trimmed, behind the in-process cache. docs/operations.md, "Point-in-time reads
 * and retention": a read answers from what is kept, so a kept checkpoint reads as of its time, and
 * a time before the oldest kept one (in the swept range) reads none.
 *
 * Step i of a thread (retentionStep) has ts 2026-01-01T00:00:0i and ids in step order. Policies:
 * `versions` (two namespaces) keeps the newest 4 of 12; `age` keeps what is younger than an hour
 * (steps 0-6 made two hours old in the table) of 12; `old` is all older than its max age and keeps
 * only its latest of 3 (a namespace's latest always stays).
 */
const steps = { versions: 12, age: 12, old: 3 } as const;
type Thread = keyof typeof steps;
const kept: Record<Thread, number[]> = { versions: [8, 9, 10, 11], age: [7, 8, 9, 10, 11], old: [2] };
const namespaces: Record<Thread, string[]> = { versions: ["", "sub"], age: [""], old: [""] };
const tsOf = (i: number) => Date.UTC(2026, 0, 1, 0, 0, i);
const at = (ms: number) => ({ ...timestampFromMs(ms), nanos: (ms % 1000) * 1_000_000 });

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe.each(testEngines)("point-in-time reads of swept threads on %s", (engine) => {
  let server: TestServer;
  const threads = Object.keys(steps) as Thread[];
  const cases = threads.flatMap((thread) => namespaces[thread].map((ns) => [thread, ns] as const));
  const asOf = async (thread: Thread, ns: string, ms: number) =>
    (await server.client.getTuple({ config: { threadId: thread, checkpointNs: ns }, asOf: at(ms) })).tuple;
  const listed = async (thread: Thread, ns: string, range: { afterTs?: number; beforeTs?: number; limit?: number }) =>
    (
      await collect(
        server.client.list({
          config: { threadId: thread, checkpointNs: ns },
          ...(range.afterTs === undefined ? {} : { afterTs: at(range.afterTs) }),
          ...(range.beforeTs === undefined ? {} : { beforeTs: at(range.beforeTs) }),
          ...(range.limit === undefined ? {} : { limit: range.limit }),
        }),
      )
    ).map((r) => r.tuple!.config!.checkpointId);
  const ids = (steps: readonly number[]) => steps.map(retentionCheckpointId);

  beforeAll(async () => {
    server = await startTestServer(engine, undefined, {
      cache: createMemoryCache(),
      // Driven by the test (runPass); the timer would first tick in six hours.
      sweeper: { intervalMs: 86_400_000, batch: 1000 },
    });
    for (const [thread, ns] of cases) {
      for (let i = 0; i < steps[thread]; i++) {
        const step = retentionStep(thread, ns, i);
        await server.client.put(step.put);
        await server.client.putWrites(step.writes);
      }
    }
    await server.client.setRetention({ threadId: "versions", policy: { maxVersions: 4 } });
    for (const threadId of ["age", "old"]) await server.client.setRetention({ threadId, policy: { maxAge: { seconds: 3600n } } });
    // Age by the server's clock (created_at), set in the table: waiting an hour is not an option.
    await sql`update checkpoints set created_at = created_at - interval '2 hours'
      where (thread_id = 'age' and checkpoint_id < ${retentionCheckpointId(7)}) or thread_id = 'old'`.execute(server.db);
  }, 120_000);
  afterAll(() => server.close());

  it("before the sweep every step reads as of its time (and the by-id reads fill the cache)", async () => {
    for (const [thread, ns] of cases) {
      for (let i = 0; i < steps[thread]; i++) {
        expect((await asOf(thread, ns, tsOf(i) + 500))?.config?.checkpointId).toBe(retentionCheckpointId(i));
        const config = { threadId: thread, checkpointNs: ns, checkpointId: retentionCheckpointId(i) };
        expect((await server.client.getTuple({ config })).tuple).toBeDefined();
      }
    }
    const pass = await server.sweeper!.runPass({ force: true });
    expect(pass).toMatchObject({ ran: true, leaseLost: false, threadsPruned: 3, checkpointsDeleted: 8 * 2 + 7 + 2 });
  });

  it.each(cases)("%s/%s: each kept checkpoint reads as of its time, whole, as a read by id does", async (thread, ns) => {
    for (const k of kept[thread]) {
      const byId = (
        await server.client.getTuple({ config: { threadId: thread, checkpointNs: ns, checkpointId: retentionCheckpointId(k) } })
      ).tuple!;
      expect(byId.pendingWrites.map((w) => w.taskId)).toEqual([`task-${k}`]);
      for (const ms of [tsOf(k), tsOf(k) + 500, tsOf(k + 1) - 1]) {
        const tuple = await asOf(thread, ns, ms);
        expect(tuple?.config?.checkpointId).toBe(retentionCheckpointId(k));
        expect(equals(CheckpointTupleSchema, tuple!, byId)).toBe(true);
      }
    }
    const latest = kept[thread].at(-1)!;
    expect((await asOf(thread, ns, Date.UTC(2030, 0, 1)))?.config?.checkpointId).toBe(retentionCheckpointId(latest));
  });

  it.each(cases)("%s/%s: a time before the oldest kept checkpoint (the swept range) reads none", async (thread, ns) => {
    const oldest = kept[thread][0]!;
    expect(await asOf(thread, ns, tsOf(oldest) - 1)).toBeUndefined();
    for (let i = 0; i < oldest; i++) {
      expect(await asOf(thread, ns, tsOf(i))).toBeUndefined();
      expect(await asOf(thread, ns, tsOf(i) + 500)).toBeUndefined();
      // And by id: gone, also from the cache the reads above filled.
      const config = { threadId: thread, checkpointNs: ns, checkpointId: retentionCheckpointId(i) };
      expect((await server.client.getTuple({ config })).tuple).toBeUndefined();
    }
    expect(await asOf(thread, ns, tsOf(0) - 60_000)).toBeUndefined();
  });

  it.each(cases)("%s/%s: a time range lists only what is kept in it", async (thread, ns) => {
    const keep = kept[thread];
    const oldest = keep[0]!;
    const newestFirst = [...keep].reverse();
    expect(await listed(thread, ns, { afterTs: tsOf(0) - 1 })).toEqual(ids(newestFirst));
    // Wholly inside the swept range: nothing.
    expect(await listed(thread, ns, { beforeTs: tsOf(oldest) })).toEqual([]);
    expect(await listed(thread, ns, { afterTs: tsOf(0) - 1, beforeTs: tsOf(oldest) - 1 })).toEqual([]);
    // Across its edge: the kept ones of the range (both bounds exclusive).
    expect(await listed(thread, ns, { afterTs: tsOf(oldest - 3), beforeTs: tsOf(oldest + 1) + 1 })).toEqual(
      ids([oldest + 1, oldest].filter((i) => keep.includes(i))),
    );
    expect(await listed(thread, ns, { afterTs: tsOf(oldest - 1), limit: 1 })).toEqual(ids([keep.at(-1)!]));
  });
});
