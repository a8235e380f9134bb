import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PruneStrategy } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { sql, type Kysely } from "kysely";
import { startTestServer, testEngines, type TestServer } from "@checkpointd/test-support/server";
import type { Database } from "./database-schema.js";

/** xorshift32: the same random edits in every run (a failure names its seed). */
function random(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return { below: (n: number) => next() % n, next };
}
type Random = ReturnType<typeof random>;

const words = ["tool", "call", "answer", "the", "user", "asked", "for", "a", "summary", "of", "every", "message", "so", "far"];
function fresh(r: Random, length: number, binary: boolean): Uint8Array {
  if (binary) return Uint8Array.from({ length }, () => r.below(256));
  let text = "";
  while (text.length < length) text += `${words[r.below(words.length)]} `;
  return new TextEncoder().encode(text.slice(0, length));
}

const join = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** One random edit of a value: what an agent's channels see from step to step. */
function edit(r: Random, value: Uint8Array, binary: boolean): Uint8Array {
  const at = r.below(value.length + 1);
  const piece = fresh(r, 1 + r.below(3000), binary);
  switch (r.below(6)) {
    case 0:
    case 1:
      return join(value, piece); // append (the common case)
    case 2:
      return join(piece, value); // prepend
    case 3:
      return join(value.subarray(0, at), piece, value.subarray(at)); // insert
    case 4:
      return join(value.subarray(0, at), value.subarray(Math.min(value.length, at + r.below(5000)))); // delete
    default:
      return fresh(r, r.below(40_000), binary); // rewrite
  }
}

const version = (n: number) => ({ kind: { case: "intValue" as const, value: BigInt(n) } });
const id = (step: number) => `1f0b0000-0000-6000-8000-${String(step).padStart(12, "0")}`;

/** Chunks no value of their thread names, and names with no chunk: both must be empty. */
async function chunkIntegrity(db: Kysely<Database>) {
  const refs = sql`
    select r.tenant, r.thread_id, substring(r.chunks from k.i * 16 + 1 for 16) as hash
    from (select tenant, thread_id, chunks from checkpoint_blobs where chunks is not null
          union all select tenant, thread_id, chunks from checkpoint_writes where chunks is not null) as r,
      generate_series(0, length(r.chunks) / 16 - 1) as k(i)`;
  const orphans = await sql<{ n: number }>`
    select count(*)::int as n from value_chunks ch
    where not exists (select 1 from (${refs}) as r where r.tenant = ch.tenant and r.thread_id = ch.thread_id and r.hash = ch.hash)`.execute(
    db,
  );
  const missing = await sql<{ n: number }>`
    select count(*)::int as n from (${refs}) as r
    where not exists (select 1 from value_chunks ch where ch.tenant = r.tenant and ch.thread_id = r.thread_id and ch.hash = r.hash)`.execute(
    db,
  );
  return { orphans: orphans.rows[0]!.n, missing: missing.rows[0]!.n };
}

const countRows = async (db: Kysely<Database>, threadId: string) =>
  Number((await sql<{ n: string }>`select count(*) as n from value_chunks where thread_id = ${threadId}`.execute(db)).rows[0]!.n);

describe.each(testEngines)("chunked values on %s", (engine) => {
  let server: TestServer;
  // Small sizes, so that values of a few KiB already span many chunks.
  beforeAll(async () => {
    server = await startTestServer(engine, undefined, { chunking: { threshold: 1024, target: 256, compression: "gzip" } });
  });
  afterAll(() => server.close());

  /** Writes `steps` checkpoints of two channels (text and binary) and a pending write each; returns every version written. */
  async function writeHistory(threadId: string, seed: number, steps: number) {
    const r = random(seed);
    let text = fresh(r, r.below(20_000), false);
    let binary = fresh(r, r.below(20_000), true);
    const written: Array<{ text: Uint8Array; binary: Uint8Array; write: Uint8Array }> = [];
    for (let step = 1; step <= steps; step++) {
      if (step > 1) {
        text = edit(r, text, false);
        binary = edit(r, binary, true);
      }
      const write = step % 3 === 0 ? text : edit(r, binary, true);
      // One channel changes on odd steps only: its earlier version is read through the later checkpoints.
      const binaryVersion = step % 2 === 1 ? step : step - 1;
      await server.client.put({
        config: { threadId, checkpointNs: "", ...(step > 1 ? { checkpointId: id(step - 1) } : {}) },
        checkpoint: {
          v: 4,
          id: id(step),
          ts: "2026-01-01T00:00:00.000Z",
          channelValues: { text: { type: "json", data: text }, binary: { type: "msgpack", data: binary } },
          channelVersions: { text: version(step), binary: version(binaryVersion) },
        },
        metadata: { step, run_id: `run-${step % 4}` },
        newVersions: step % 2 === 1 ? { text: version(step), binary: version(step) } : { text: version(step) },
      });
      if (step % 2 === 0) binary = written[written.length - 1]!.binary;
      await server.client.putWrites({
        config: { threadId, checkpointNs: "", checkpointId: id(step) },
        taskId: `task-${step}`,
        writes: [{ channel: "out", value: { type: "msgpack", data: write } }],
      });
      written.push({ text, binary, write });
    }
    return written;
  }

  async function expectHistory(threadId: string, written: Awaited<ReturnType<typeof writeHistory>>, steps: readonly number[]) {
    for (const step of steps) {
      const { tuple } = await server.client.getTuple({ config: { threadId, checkpointNs: "", checkpointId: id(step) } });
      const want = written[step - 1]!;
      const values = tuple?.checkpoint?.channelValues;
      expect(Buffer.from(values?.text?.data ?? []).equals(Buffer.from(want.text))).toBe(true);
      expect(Buffer.from(values?.binary?.data ?? []).equals(Buffer.from(want.binary))).toBe(true);
      expect(Buffer.from(tuple?.pendingWrites[0]?.value?.data ?? []).equals(Buffer.from(want.write))).toBe(true);
    }
  }

  it.each([1, 2, 3])("reads every version back byte for byte (random sizes and edits, seed %i), by id and through List", async (seed) => {
    const threadId = `chunks-${seed}`;
    const steps = 24;
    const written = await writeHistory(threadId, seed, steps);
    await expectHistory(
      threadId,
      written,
      written.map((_, i) => i + 1),
    );
    const listed = [];
    for await (const { tuple } of server.client.list({ config: { threadId } })) listed.push(tuple);
    expect(listed).toHaveLength(steps);
    listed.forEach((tuple, i) => {
      const want = written[steps - 1 - i]!;
      expect(Buffer.from(tuple!.checkpoint!.channelValues.text!.data).equals(Buffer.from(want.text))).toBe(true);
      expect(Buffer.from(tuple!.checkpoint!.channelValues.binary!.data).equals(Buffer.from(want.binary))).toBe(true);
      expect(Buffer.from(tuple!.pendingWrites[0]!.value!.data).equals(Buffer.from(want.write))).toBe(true);
    });
    // Chunked, and shared: fewer chunks than the versions name.
    const { rows } = await sql<{ chunked: number; named: number }>`
      select count(*)::int as chunked, sum(length(chunks) / 16)::int as named
      from checkpoint_blobs where thread_id = ${threadId} and chunks is not null`.execute(server.db);
    expect(rows[0]!.chunked).toBeGreaterThan(0);
    expect(await countRows(server.db, threadId)).toBeLessThan(rows[0]!.named);
    expect(await chunkIntegrity(server.db)).toEqual({ orphans: 0, missing: 0 });
  });

  it("a thread copied, pruned, deleted for runs and deleted keeps every chunk it names and no other", async () => {
    const source = "chunks-maintained";
    const written = await writeHistory(source, 42, 16);
    await server.client.copyThread({ sourceThreadId: source, targetThreadId: `${source}-copy` });
    expect(await chunkIntegrity(server.db)).toEqual({ orphans: 0, missing: 0 });
    await expectHistory(`${source}-copy`, written, [1, 8, 16]);

    await server.client.deleteForRuns({ runIds: ["run-1"] });
    expect(await chunkIntegrity(server.db)).toEqual({ orphans: 0, missing: 0 });
    await expectHistory(source, written, [2, 4, 6, 8, 16]);
    await expectHistory(`${source}-copy`, written, [2, 8, 16]);

    const before = await countRows(server.db, source);
    await server.client.prune({ threadIds: [source], strategy: PruneStrategy.KEEP_LATEST });
    expect(await chunkIntegrity(server.db)).toEqual({ orphans: 0, missing: 0 });
    expect(await countRows(server.db, source)).toBeLessThan(before);
    await expectHistory(source, written, [16]);
    await expectHistory(`${source}-copy`, written, [2, 16]);

    await server.client.deleteThread({ threadId: source });
    expect(await countRows(server.db, source)).toBe(0);
    expect(await chunkIntegrity(server.db)).toEqual({ orphans: 0, missing: 0 });
    await expectHistory(`${source}-copy`, written, [2, 4, 16]);
  });

  it("a value of more chunks than one statement takes (over 1,000) is written in one transaction and read back whole", async () => {
    const threadId = "chunks-many";
    const data = fresh(random(77), 600_000, true);
    await server.client.put({
      config: { threadId, checkpointNs: "" },
      checkpoint: {
        v: 4,
        id: id(1),
        ts: "2026-01-01T00:00:00.000Z",
        channelValues: { big: { type: "bytes", data } },
        channelVersions: { big: version(1) },
      },
      metadata: {},
      newVersions: { big: version(1) },
    });
    await server.client.putWrites({
      config: { threadId, checkpointNs: "", checkpointId: id(1) },
      taskId: "t",
      writes: [{ channel: "big", value: { type: "bytes", data: join(data, fresh(random(78), 100, true)) } }],
    });
    expect(await countRows(server.db, threadId)).toBeGreaterThan(1000);
    const { tuple } = await server.client.getTuple({ config: { threadId, checkpointNs: "" } });
    expect(Buffer.from(tuple!.checkpoint!.channelValues.big!.data).equals(Buffer.from(data))).toBe(true);
    expect(Buffer.from(tuple!.pendingWrites[0]!.value!.data).equals(Buffer.from(join(data, fresh(random(78), 100, true))))).toBe(true);
    expect(await chunkIntegrity(server.db)).toEqual({ orphans: 0, missing: 0 });
  });

  it("the chunks of an overwritten special write are freed by the next sweep", async () => {
    const threadId = "chunks-overwritten";
    await writeHistory(threadId, 9, 2);
    for (const n of [1, 2]) {
      await server.client.putWrites({
        config: { threadId, checkpointNs: "", checkpointId: id(2) },
        taskId: "task-x",
        writes: [{ channel: "__error__", value: { type: "msgpack", data: fresh(random(n), 5000, true) } }],
      });
    }
    await server.client.prune({ threadIds: [threadId], strategy: PruneStrategy.KEEP_LATEST });
    expect(await chunkIntegrity(server.db)).toEqual({ orphans: 0, missing: 0 });
  });
});

describe.each(testEngines)("GetThreadStorage on %s", (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, undefined, { chunking: { threshold: 4096, target: 1024, compression: "off" } });
  });
  afterAll(() => server.close());

  it("reports per channel what the client wrote against what is stored, and a growing value stores far less than it wrote", async () => {
    const threadId = "storage-report";
    const r = random(5);
    let messages = fresh(r, 2000, false);
    for (let step = 1; step <= 30; step++) {
      if (step > 1) messages = join(messages, fresh(r, 400, false));
      await server.client.put({
        config: { threadId, checkpointNs: "", ...(step > 1 ? { checkpointId: id(step - 1) } : {}) },
        checkpoint: {
          v: 4,
          id: id(step),
          ts: "2026-01-01T00:00:00.000Z",
          channelValues: { messages: { type: "json", data: messages }, small: { type: "json", data: new Uint8Array([step]) } },
          channelVersions: { messages: version(step), small: version(step) },
        },
        metadata: {},
        newVersions: { messages: version(step), small: version(step) },
      });
    }
    await server.client.putWrites({
      config: { threadId, checkpointNs: "", checkpointId: id(30) },
      taskId: "t",
      writes: [{ channel: "messages", value: { type: "json", data: new Uint8Array(10) } }],
    });
    const report = await server.client.getThreadStorage({ threadId });
    expect(report.found).toBe(true);
    expect(report.checkpointCount).toBe(30n);
    const byName = Object.fromEntries(report.channels.map((c) => [c.channel, c.values!]));
    expect(Object.keys(byName)).toEqual(["messages", "small"]);
    // Logical: every version's length, as written.
    const written = Array.from({ length: 30 }, (_, i) => 2000 + 400 * i).reduce((a, b) => a + b, 0);
    expect(byName.messages!.logicalBytes).toBe(BigInt(written));
    expect(byName.messages!.count).toBe(30n);
    expect(byName.messages!.chunkedCount).toBe(BigInt(Array.from({ length: 30 }, (_, i) => 2000 + 400 * i).filter((n) => n > 4096).length));
    expect(byName.small).toMatchObject({ count: 30n, chunkedCount: 0n, logicalBytes: 30n });
    expect(report.pendingWrites).toMatchObject({ count: 1n, chunkedCount: 0n, logicalBytes: 10n });
    // Stored: the distinct chunks once; a value that grows by appending is stored a few times over, not 15 times.
    expect(byName.messages!.storedBytes).toBeLessThan(byName.messages!.logicalBytes / 5n);
    expect(report.chunkCount).toBeGreaterThan(0n);
    expect(report.storedBytes).toBeLessThan(report.logicalBytes);
    expect(report.logicalBytes).toBe(BigInt(written) + 30n + 10n + report.checkpointBytes);

    expect(await server.client.getThreadStorage({ threadId: "no-such-thread" })).toMatchObject({ found: false, checkpointCount: 0n });
    await expect(server.client.getThreadStorage({ threadId: "" })).rejects.toThrow(/thread_id/);
  });
});
