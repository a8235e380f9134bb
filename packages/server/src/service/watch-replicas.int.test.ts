import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  CheckpointService,
  type ClaimResumeResponse,
  type PutRequestSchema,
  type PutWritesRequestSchema,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { WatchEvent } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import {
  createDatabase,
  openWatch,
  type OpenWatch,
  type RedisInstance,
  sampleHistory,
  spawnCheckpointd,
  type SpawnedCheckpointd,
  startRedis,
} from "@checkpointd/test-support";
import { createTestDatabase } from "@checkpointd/test-support/server";

type CheckpointClient = Client<typeof CheckpointService>;

/** Only the bus can deliver in time: the heartbeat re-read (the fallback) comes once a minute. */
const HEARTBEAT_MS = 60_000;
/** A stream whose client reads nothing for this long ends with RESOURCE_EXHAUSTED. */
const STALL_MS = 2_000;
/** How long a replica may take to push an event written through the other one. */
const DELIVERY_MS = 3_000;

/** Every process this file starts, stopped in afterAll whatever happened. */
const spawned: SpawnedCheckpointd[] = [];

async function spawnReplica(env: Record<string, string>): Promise<SpawnedCheckpointd> {
  const server = await spawnCheckpointd(["--heartbeat-ms", String(HEARTBEAT_MS), "--stream-stall-ms", String(STALL_MS)], env);
  spawned.push(server);
  return server;
}

/** A client with its own HTTP/2 connection. */
const clientFor = (server: SpawnedCheckpointd): CheckpointClient =>
  createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }));

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The server's resident set size (VmRSS), in bytes. */
function rssBytes(server: SpawnedCheckpointd): number {
  const status = readFileSync(`/proc/${server.process.pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (kb === null) throw new Error(`no VmRSS in /proc/${server.process.pid}/status`);
  return Number(kb[1]) * 1024;
}

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;
const checkpointId = (n: number) => `1f0b0000-0000-6000-8000-${String(n).padStart(12, "0")}`;
const json = (value: unknown) => ({ type: "json", data: new TextEncoder().encode(JSON.stringify(value)) });
const intVersion = (n: number) => ({ kind: { case: "intValue" as const, value: BigInt(n) } });

/** The n-th checkpoint of a thread (its parent is the (n-1)-th). */
function putRequest(
  threadId: string,
  n: number,
  metadata: MessageInitShape<typeof PutRequestSchema>["metadata"] = { step: n },
): MessageInitShape<typeof PutRequestSchema> {
  return {
    config: { threadId, checkpointNs: "", checkpointId: n === 0 ? "" : checkpointId(n - 1) },
    checkpoint: {
      v: 4,
      id: checkpointId(n),
      ts: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)).toISOString(),
      channelValues: { counter: json(n) },
      channelVersions: { counter: intVersion(n + 1) },
    },
    metadata,
    newVersions: { counter: intVersion(n + 1) },
  };
}

/** Writes of task `t` on the n-th checkpoint, with an `__interrupt__` when asked: 1 event, or 2 with the interrupt. */
function putWritesRequest(threadId: string, n: number, interrupt: boolean): MessageInitShape<typeof PutWritesRequestSchema> {
  return {
    config: { threadId, checkpointNs: "", checkpointId: checkpointId(n) },
    taskId: `task-${n}`,
    taskPath: "~__pregel_pull, agent",
    writes: [
      { channel: "messages", value: json({ n }) },
      ...(interrupt ? [{ channel: "__interrupt__", value: json([{ value: `question ${n}`, id: `interrupt-${n}` }]) }] : []),
    ],
  };
}

/** Reads Watch responses until `done` says so; fails after `ms`. Returns the events read (heartbeats skipped). */
async function readEvents(watch: OpenWatch, ms: number, what: string, done: (events: WatchEvent[]) => boolean): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const deadline = Date.now() + ms;
  for (let i = 0; i < 100_000 && !done(events); i++) {
    const { event } = await within(Math.max(1, deadline - Date.now()), what, watch.nextEvent());
    if (event !== undefined) events.push(event);
  }
  return events;
}

/**
 * Acceptance 1: a watcher on A sees an interrupt written through B within DELIVERY_MS,
 * which only the event bus can achieve (the heartbeat re-read is a minute away).
 */
async function expectInterruptAcrossReplicas(a: CheckpointClient, b: CheckpointClient, label: string) {
  const threadId = unique(`bus-${label}`);
  const steps = sampleHistory(threadId, "");
  await a.put(steps[0]!.put);
  const watch = openWatch(a);
  try {
    watch.send({ kind: { case: "subscribe", value: { threadId } } });
    // Event 1 comes from the first storage read, which follows the bus subscription: from here on only the bus wakes A.
    const [first] = await readEvents(watch, 10_000, "first event on A", (e) => e.length === 1);
    expect(first).toMatchObject({ eventId: 1n, kind: { case: "checkpointSaved" } });

    let started = Date.now();
    await b.put(steps[1]!.put);
    const [saved] = await readEvents(watch, DELIVERY_MS, "checkpoint_saved written through B", (e) => e.length === 1);
    const savedMs = Date.now() - started;
    expect(saved).toMatchObject({ eventId: 2n, kind: { case: "checkpointSaved" } });

    started = Date.now();
    await b.putWrites(steps[1]!.writes[0]!);
    const events = await readEvents(watch, DELIVERY_MS, "interrupted written through B", (e) =>
      e.some((x) => x.kind.case === "interrupted"),
    );
    const interruptMs = Date.now() - started;
    expect(events.map((e) => [e.eventId, e.kind.case])).toEqual([
      [3n, "writesSaved"],
      [4n, "interrupted"],
    ]);
    const interrupted = events[1]!;
    if (interrupted.kind.case !== "interrupted") throw new Error("unreachable");
    expect(interrupted.threadId).toBe(threadId);
    expect(interrupted.kind.value.taskId).toBe("task-a");
    expect(interrupted.kind.value.config?.checkpointId).toBe(steps[1]!.put.checkpoint!.id);
    expect([...interrupted.kind.value.value!.data]).toEqual([...steps[1]!.writes[0]!.writes[2]!.value!.data]);
    console.log(`[${label}] B -> A delivery: checkpoint_saved ${savedMs} ms, interrupted ${interruptMs} ms`);
  } finally {
    watch.close();
  }
}

afterAll(async () => {
  await Promise.all(spawned.map((s) => s.stop(5_000)));
});

describe("Watch across two replicas with Redis", () => {
  let redis: RedisInstance;
  let a: CheckpointClient;
  let b: CheckpointClient;

  beforeAll(async () => {
    redis = await startRedis();
    const url = await createDatabase(process.env.CHECKPOINTD_TEST_DATABASE_URL!);
    const env = { DATABASE_URL: url, REDIS_URL: redis.url };
    const [serverA, serverB] = await Promise.all([spawnReplica(env), spawnReplica(env)]);
    a = clientFor(serverA!);
    b = clientFor(serverB!);
  });
  afterAll(async () => {
    await Promise.all(spawned.splice(0).map((s) => s.stop(5_000)));
    await redis?.stop();
  });

  it("pushes an interrupt written through B to a watcher on A through Redis pub/sub", async () => {
    await expectInterruptAcrossReplicas(a, b, "redis");
  });
});

describe("Watch across two replicas on PostgreSQL through PgBouncer in transaction mode", () => {
  let a: CheckpointClient;
  let b: CheckpointClient;

  beforeAll(async () => {
    // Statements go through the pooler; LISTEN needs a session of its own, so it takes the direct URL.
    const { direct, pooled } = await createTestDatabase();
    const env = { DATABASE_URL: pooled, DATABASE_DIRECT_URL: direct };
    const [serverA, serverB] = await Promise.all([spawnReplica(env), spawnReplica(env)]);
    a = clientFor(serverA!);
    b = clientFor(serverB!);
  });
  afterAll(async () => {
    await Promise.all(spawned.splice(0).map((s) => s.stop(5_000)));
  });

  it("pushes an interrupt written through B to a watcher on A through NOTIFY on --database-direct-url", async () => {
    await expectInterruptAcrossReplicas(a, b, "pgbouncer");
  });
});

describe("Watch across two replicas on PostgreSQL alone (LISTEN/NOTIFY)", () => {
  let env: Record<string, string>;
  let serverA: SpawnedCheckpointd;
  let serverB: SpawnedCheckpointd;
  let a: CheckpointClient;
  let b: CheckpointClient;

  beforeAll(async () => {
    env = { DATABASE_URL: await createDatabase(process.env.CHECKPOINTD_TEST_DATABASE_URL!) };
    [serverA, serverB] = await Promise.all([spawnReplica(env), spawnReplica(env)]);
    a = clientFor(serverA);
    b = clientFor(serverB);
  });

  it("pushes an interrupt written through B to a watcher on A through NOTIFY", async () => {
    await expectInterruptAcrossReplicas(a, b, "notify");
  });

  it("delivers every event exactly once and in order across a cut connection and a reconnect to the other replica", async () => {
    const threads = [unique("re-0"), unique("re-1"), unique("re-2")];
    // Per thread, checkpoint n is a Put (1 event), and for odd n a PutWrites (1 event; 2 when n % 4 == 3: an interrupt).
    const eventsOf = (n: number) => 1 + (n % 2 === 1 ? 1 : 0) + (n % 4 === 3 ? 1 : 0);
    const expectedAfter = (checkpoints: number) => Array.from({ length: checkpoints }, (_, n) => eventsOf(n)).reduce((x, y) => x + y, 0);
    let checkpoints = 0;
    /** `rounds` more checkpoints on every thread, through B, the threads concurrently. */
    const writeRounds = async (rounds: number) => {
      const from = checkpoints;
      checkpoints += rounds;
      await Promise.all(
        threads.map(async (threadId) => {
          for (let n = from; n < from + rounds; n++) {
            await b.put(putRequest(threadId, n));
            if (n % 2 === 1) await b.putWrites(putWritesRequest(threadId, n, n % 4 === 3));
          }
        }),
      );
    };
    const seen = new Map<string, bigint[]>(threads.map((t) => [t, []]));
    const record = (events: WatchEvent[]) => {
      for (const e of events) seen.get(e.threadId)!.push(e.eventId);
    };
    const seenCount = () => [...seen.values()].reduce((sum, ids) => sum + ids.length, 0);

    // Phase 1: a watcher on A reads part of what B writes, then its call is cut (aborted) mid-stream.
    const first = openWatch(clientFor(serverA));
    for (const threadId of threads) first.send({ kind: { case: "subscribe", value: { threadId } } });
    const writing = writeRounds(30);
    const readBeforeCut = 60;
    try {
      record(await readEvents(first, 15_000, "events before the cut", (e) => e.length === readBeforeCut));
    } finally {
      first.close();
    }
    await writing;
    const writtenAtCut = threads.length * expectedAfter(checkpoints); // by the end of phase 1
    expect(writtenAtCut).toBeGreaterThan(readBeforeCut + 30);

    // Phase 2: written while nobody watches.
    await writeRounds(15);

    // Phase 3: reconnect to B from the last id seen per thread, while more is written live.
    const total = threads.length * expectedAfter(checkpoints + 25);
    const second = openWatch(clientFor(serverB));
    try {
      for (const threadId of threads) {
        second.send({ kind: { case: "subscribe", value: { threadId, afterEventId: seen.get(threadId)!.at(-1) ?? 0n } } });
      }
      const live = writeRounds(25);
      const before = seenCount();
      record(await readEvents(second, 20_000, "events after the reconnect", (e) => before + e.length === total));
      await live;
      // Nothing arrives after the last expected event (a duplicate would).
      const extra = await Promise.race([
        second.nextEvent().then(
          (r) => r.event,
          () => undefined,
        ),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 300)),
      ]);
      expect(extra).toBeUndefined();
    } finally {
      second.close();
    }

    let count = 0;
    for (const threadId of threads) {
      const expected = expectedAfter(checkpoints);
      expect(seen.get(threadId)).toEqual(Array.from({ length: expected }, (_, i) => BigInt(i + 1)));
      count += expected;
    }
    expect(count).toBe(total);
    expect(count).toBeGreaterThanOrEqual(200);
    console.log(
      `[reconnect] ${count} events over ${threads.length} threads, each exactly once and in order ` +
        `(${readBeforeCut} read on A before the cut, ${writtenAtCut} written in that phase; the rest replayed and live on B)`,
    );
  });

  it("delivers each resume to the watcher on the other replica, and exactly one of 3 racing workers claims it (50 rounds)", async () => {
    const threadId = unique("rc");
    const steps = sampleHistory(threadId, "");
    await a.put(steps[0]!.put);
    await a.put(steps[1]!.put);
    for (const writes of steps[1]!.writes) await a.putWrites(writes);

    const worker = openWatch(clientFor(serverA));
    const rounds = 50;
    const wins = new Map<string, number>();
    const resumeIds: string[] = [];
    const started = Date.now();
    try {
      worker.send({ kind: { case: "subscribe", value: { threadId } } });
      const history = await readEvents(worker, 10_000, "history", (e) => e.length === 5);
      expect(history.map((e) => e.kind.case)).toEqual(["checkpointSaved", "checkpointSaved", "writesSaved", "interrupted", "writesSaved"]);

      for (let round = 0; round < rounds; round++) {
        const values = { [`interrupt-${round}`]: json({ answer: round }) };
        const sent = await b.resume({ threadId, values });
        resumeIds.push(sent.resumeId);
        const [requested] = await readEvents(worker, DELIVERY_MS, `resume_requested #${round} on A`, (e) => e.length === 1);
        expect(requested?.eventId).toBe(sent.eventId);
        if (requested?.kind.case !== "resumeRequested") throw new Error(`round ${round}: got ${requested?.kind.case}`);
        expect(requested.kind.value.resumeId).toBe(sent.resumeId);
        expect(Object.keys(requested.kind.value.values)).toEqual([`interrupt-${round}`]);
        expect([...requested.kind.value.values[`interrupt-${round}`]!.data]).toEqual([...values[`interrupt-${round}`]!.data]);

        // Three workers race for it, spread over both replicas (which replica gets two alternates).
        const claimers = [0, 1, 2].map((w) => ({ workerId: `worker-${w}`, client: (w + round) % 2 === 0 ? a : b }));
        const answers: ClaimResumeResponse[] = await Promise.all(
          claimers.map(({ workerId, client }) => client.claimResume({ threadId, resumeId: sent.resumeId, workerId })),
        );
        const winners = answers.flatMap((answer, w) => (answer.claimed ? [claimers[w]!.workerId] : []));
        expect(winners).toHaveLength(1);
        const won = answers.find((x) => x.claimed)!;
        expect(won.resumeId).toBe(sent.resumeId);
        expect([...won.values[`interrupt-${round}`]!.data]).toEqual([...values[`interrupt-${round}`]!.data]);
        wins.set(winners[0]!, (wins.get(winners[0]!) ?? 0) + 1);

        const [claimed] = await readEvents(worker, DELIVERY_MS, `resume_claimed #${round} on A`, (e) => e.length === 1);
        expect(claimed?.kind).toMatchObject({ case: "resumeClaimed", value: { resumeId: sent.resumeId, workerId: winners[0] } });
      }
    } finally {
      worker.close();
    }

    // A claimed resume is never offered again: not as "the oldest unclaimed", not by its id.
    for (const client of [a, b]) {
      expect(await client.claimResume({ threadId, workerId: "late-worker" })).toMatchObject({ claimed: false });
    }
    for (const resumeId of [resumeIds[0]!, resumeIds.at(-1)!]) {
      expect(await b.claimResume({ threadId, resumeId, workerId: "late-worker" })).toMatchObject({ claimed: false });
    }
    console.log(
      `[claim race] ${rounds} rounds, exactly one winner each (${[...wins].map(([w, n]) => `${w}: ${n}`).join(", ")}) in ${Date.now() - started} ms`,
    );
  });

  it("keeps an interrupt across a restart of the replica that stored it, and a resume sent after the restart is delivered and claimable", async () => {
    const threadId = unique("restart");
    const steps = sampleHistory(threadId, "");
    await a.put(steps[0]!.put);
    await a.put(steps[1]!.put);
    for (const writes of steps[1]!.writes) await a.putWrites(writes);

    expect(await serverA.stop()).toEqual({ code: 0, signal: null });
    serverA = await spawnReplica(env);
    a = clientFor(serverA);

    const values = { "interrupt-1": json({ approved: true }) };
    const sent = await a.resume({ threadId, values });

    // A worker that starts only now, on B, from the beginning.
    const worker = openWatch(clientFor(serverB));
    try {
      worker.send({ kind: { case: "subscribe", value: { threadId, afterEventId: 0n } } });
      const events = await readEvents(worker, 10_000, "replay on B", (e) => e.some((x) => x.kind.case === "resumeRequested"));
      expect(events.map((e) => [e.eventId, e.kind.case])).toEqual([
        [1n, "checkpointSaved"],
        [2n, "checkpointSaved"],
        [3n, "writesSaved"],
        [4n, "interrupted"],
        [5n, "writesSaved"],
        [6n, "resumeRequested"],
      ]);
      expect(events[5]!.kind).toMatchObject({ case: "resumeRequested", value: { resumeId: sent.resumeId } });

      worker.send({ kind: { case: "claim", value: { threadId, workerId: "worker-after-restart" } } });
      const answers = [
        await within(DELIVERY_MS, "claim answer", worker.nextEvent()),
        await within(DELIVERY_MS, "claim event", worker.nextEvent()),
      ];
      const claimed = answers.find((r) => r.claimed !== undefined)?.claimed;
      expect(claimed).toMatchObject({ claimed: true, resumeId: sent.resumeId });
      expect([...claimed!.values["interrupt-1"]!.data]).toEqual([...values["interrupt-1"].data]);
      const event = answers.find((r) => r.event !== undefined)?.event;
      expect(event).toMatchObject({ eventId: 7n, kind: { case: "resumeClaimed", value: { workerId: "worker-after-restart" } } });
    } finally {
      worker.close();
    }

    // The restarted A replays the same log, claim included (Subscribe, the server-streaming call).
    const controller = new AbortController();
    const replayed: [bigint, string | undefined][] = [];
    const replay = async () => {
      for await (const { event } of a.subscribe({ threadId }, { signal: controller.signal })) {
        if (event!.kind.case !== "heartbeat") replayed.push([event!.eventId, event!.kind.case]);
        if (replayed.length === 7) break;
      }
    };
    try {
      await within(10_000, "replay on the restarted A", replay());
    } finally {
      controller.abort();
    }
    expect(replayed.at(-1)).toEqual([7n, "resumeClaimed"]);
    expect(await b.claimResume({ threadId, workerId: "second-worker" })).toMatchObject({ claimed: false });
  });

  it("ends a stream whose client never reads with RESOURCE_EXHAUSTED, with bounded memory, and keeps serving others", async () => {
    const threadId = unique("stall");
    const otherThread = unique("stall-other");
    const checkpoints = 3_000;
    // ~16 KB of metadata per checkpoint_saved event: the stuck stream's HTTP/2 window fills after a few.
    const filler = randomBytes(12 * 1024).toString("base64");
    const started = Date.now();

    await b.put(putRequest(threadId, 0, { step: 0, filler }));
    const stuck = new AbortController();
    const stuckStream = clientFor(serverA).subscribe({ threadId }, { signal: stuck.signal })[Symbol.asyncIterator]();
    const firstEvent = await within(10_000, "first event of the stuck stream", stuckStream.next());
    expect(firstEvent.value?.event).toMatchObject({ eventId: 1n, kind: { case: "checkpointSaved" } });
    // From here on the stuck stream is never read until the end.

    const baseline = rssBytes(serverA);
    let peak = baseline;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssBytes(serverA));
      } catch {
        // the process is gone: the assertions below fail on their own
      }
    }, 100);

    // Meanwhile A keeps answering unary calls and feeding a reader that does read.
    let writing = true;
    let probes = 0;
    const latencies: number[] = [];
    const prober = (async () => {
      for (let n = 0; writing && n < 10_000; n++) {
        const t0 = Date.now();
        await a.put(putRequest(otherThread, n), { timeoutMs: 5_000 });
        const { tuple } = await a.getTuple({ config: { threadId: otherThread } }, { timeoutMs: 5_000 });
        expect(tuple?.checkpoint?.id).toBe(checkpointId(n));
        probes = n + 1;
        latencies.push(Date.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    // ...and a Subscribe on A that does read: it follows the prober's thread to the end.
    const healthy = new AbortController();
    let healthyRead = 0;
    let finalId = -1n;
    const healthyReader = (async () => {
      for await (const { event } of clientFor(serverA).subscribe({ threadId: otherThread }, { signal: healthy.signal })) {
        if (event?.kind.case === "heartbeat") continue;
        healthyRead++;
        if (event!.eventId === finalId) break;
      }
    })();
    try {
      // Thousands of events, written through B, 8 at a time.
      let next = 1;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let n = next++; n < checkpoints; n = next++)
            await b.put(putRequest(threadId, n, { step: n, filler }), { timeoutMs: 10_000 });
        }),
      );
      const writtenMs = Date.now() - started;
      // Let the stall deadline pass for certain while the stuck stream still holds its buffer.
      await new Promise((resolve) => setTimeout(resolve, STALL_MS + 1_000));
      writing = false;
      await within(10_000, "the prober", prober);
      // One last Put whose event ends the reader.
      finalId = BigInt(probes + 1);
      await a.put(putRequest(otherThread, probes++));
      await within(10_000, "the reading stream on A", healthyReader);
      expect(healthyRead).toBe(probes);
      clearInterval(sampler);
      peak = Math.max(peak, rssBytes(serverA));

      // Now the stuck client reads: what was buffered, then RESOURCE_EXHAUSTED.
      let buffered = 0;
      let ended: unknown;
      for (let i = 0; i < checkpoints + 10; i++) {
        try {
          const r = await within(10_000, "the stuck stream's buffered events", stuckStream.next());
          if (r.done === true) break;
          if (r.value.event?.kind.case !== "heartbeat") buffered++;
        } catch (error) {
          ended = error;
          break;
        }
      }
      expect(ended).toBeInstanceOf(ConnectError);
      expect((ended as ConnectError).code).toBe(Code.ResourceExhausted);
      expect(buffered).toBeLessThan(checkpoints / 10);

      const growthMb = (peak - baseline) / 2 ** 20;
      expect(growthMb).toBeLessThan(100);
      expect(latencies.length).toBeGreaterThan(5);
      expect(Math.max(...latencies)).toBeLessThan(2_000);
      console.log(
        `[stall] ${checkpoints} events (~16 KB each, ~${Math.round((checkpoints * filler.length) / 2 ** 20)} MB) written in ${writtenMs} ms; ` +
          `stuck stream got 1 + ${buffered} buffered events, then ${Code[(ended as ConnectError).code]}; ` +
          `A's RSS ${Math.round(baseline / 2 ** 20)} MB -> peak ${Math.round(peak / 2 ** 20)} MB (+${growthMb.toFixed(1)} MB); ` +
          `${latencies.length} put+get probes on A, max ${Math.max(...latencies)} ms; reader on A got all ${healthyRead} of the prober's events`,
      );
    } finally {
      writing = false;
      clearInterval(sampler);
      stuck.abort();
      healthy.abort();
      await prober.catch(() => undefined);
      await healthyReader.catch(() => undefined);
    }
  });
});
