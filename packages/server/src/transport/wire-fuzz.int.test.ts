import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { Client as GrpcClient, credentials } from "@grpc/grpc-js";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { createDatabase, spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";
import {
  collectGarbage,
  describeOutcome,
  faultOf,
  H2Pool,
  type Kind,
  kinds,
  MiB,
  type Outcome,
  probeFor,
  REQUEST_TIMEOUT_MS,
  Rng,
  rngFor,
  rssMb,
  sleep,
  type Targets,
} from "@checkpointd/test-support/fuzz";

/**
 * Wire fuzzing against a real `checkpointd serve` process on PostgreSQL: 2,000
 * hostile requests (raw HTTP/2 gRPC frames, broken framing, wrong content types,
 * methods and paths, valid-shaped messages with hostile values sent by real
 * clients, 10k-entry maps, deep Structs, junk for the Connect port). Client
 * mistakes must never come back as INTERNAL, UNKNOWN or UNAVAILABLE, no answer
 * may take 10 s, the process must survive, ordinary calls must still work, and
 * its memory must settle.
 *
 * Each request is generated from (seed, index) alone, so a run's requests are
 * the same whatever the scheduling: reproduce one with WIRE_FUZZ_SEED=<the
 * printed seed>. A fault names the request's index, kind and content.
 */

const REQUESTS = 2_000;
const WARMUP_REQUESTS = 100;
const CONCURRENCY = 12;
// Bounds, not targets: on a loaded 2-core machine the 2,000 probes need far longer than when idle.
const RUN_BUDGET_MS = 100_000;
const MAX_RSS_GROWTH_MB = 100;

interface Fault {
  index: number;
  kind: string;
  what: string;
  fault: string;
}

describe("wire fuzzing (real process on PostgreSQL)", () => {
  const seed =
    process.env.WIRE_FUZZ_SEED !== undefined ? Number(process.env.WIRE_FUZZ_SEED) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  let server: SpawnedCheckpointd;
  let targets: Targets;
  let sessions: Http2SessionManager;
  let exitedEarly: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let inspectorUrl: string;

  beforeAll(async () => {
    const adminUrl = process.env.CHECKPOINTD_TEST_DATABASE_URL;
    if (adminUrl === undefined) throw new Error("CHECKPOINTD_TEST_DATABASE_URL is not set (jest global setup starts PostgreSQL)");
    // The inspector (loopback, free port) lets the memory check collect garbage before it reads RSS.
    server = await spawnCheckpointd([], {
      DATABASE_URL: await createDatabase(adminUrl),
      SHUTDOWN_GRACE_MS: "2000",
      NODE_OPTIONS: "--inspect=127.0.0.1:0",
    });
    const inspector = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(server.output().stderr);
    if (inspector === null) throw new Error(`no inspector URL in the server's stderr:\n${server.output().stderr}`);
    inspectorUrl = inspector[1]!;
    void server.exited.then((result) => (exitedEarly ??= result));
    if (server.httpPort === undefined) throw new Error("the server reported no Connect/HTTP port");
    const grpcBase = `http://127.0.0.1:${server.port}`;
    sessions = new Http2SessionManager(grpcBase);
    targets = {
      grpcPool: new H2Pool(grpcBase, 4),
      httpPool: new H2Pool(`http://127.0.0.1:${server.httpPort}`, 2),
      httpBase: `http://127.0.0.1:${server.httpPort}`,
      // The server keeps metadata nested up to its decoder's limit and answers it one or two
      // messages deeper; protobuf-es's default limit (100) would fail to read that back.
      client: createClient(
        CheckpointService,
        createGrpcTransport({ baseUrl: grpcBase, sessionManager: sessions, binaryOptions: { recursionLimit: 1_000 } }),
      ),
      grpcJs: new GrpcClient(`127.0.0.1:${server.port}`, credentials.createInsecure(), { "grpc.max_receive_message_length": 64 * MiB }),
    };
  });

  afterAll(async () => {
    targets?.grpcPool.close();
    targets?.httpPool.close();
    targets?.grpcJs.close();
    sessions?.abort();
    await server?.stop();
  });

  /** Normal traffic, to warm the process up and to calm it down. */
  async function normalCalls(tag: string, rounds: number): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      const threadId = `normal-${tag}-${i % 5}`;
      const checkpointId = `1ef-${tag}-${String(i).padStart(4, "0")}`;
      await targets.client.put({
        config: { threadId },
        checkpoint: {
          v: 4,
          id: checkpointId,
          ts: new Date().toISOString(),
          channelVersions: { messages: { kind: { case: "intValue", value: BigInt(i + 1) } } },
        },
        metadata: { step: i, source: "loop" },
        newVersions: { messages: { kind: { case: "intValue", value: BigInt(i + 1) } } },
      });
      const { tuple } = await targets.client.getTuple({ config: { threadId, checkpointId } });
      expect(tuple?.checkpoint?.id).toBe(checkpointId);
      for await (const _ of targets.client.list({ config: { threadId }, limit: 3 })) void _;
    }
  }

  /**
   * Runs the probes of `quota` (kind -> count) in a seeded order, CONCURRENCY at
   * a time; bounded by count and by `budgetMs`. Heavy probes (10k-entry maps,
   * 70k ids, bodies over 256 KiB) go one at a time, so that a small machine is
   * not measuring a pile-up of them; their wait for that turn is not part of
   * their time.
   */
  async function runProbes(quota: Partial<Record<Kind, number>>, seedOffset: number, budgetMs: number) {
    const order = new Rng(seed + seedOffset).shuffle(
      (Object.entries(quota) as [Kind, number][]).flatMap(([kind, n]) => new Array<Kind>(n).fill(kind)),
    );
    const count = order.length;
    const histogram = new Map<string, number>();
    const byKind = new Map<string, Map<string, number>>();
    const faults: Fault[] = [];
    let slowest = { ms: 0, what: "" };
    const slow: string[] = [];
    const t0 = performance.now();
    const deadline = Date.now() + budgetMs;
    let next = 0;
    let skipped = 0;
    let heavyTurn: Promise<void> = Promise.resolve();
    const worker = async () => {
      while (next < count) {
        const index = next++;
        if (Date.now() > deadline) {
          skipped++;
          continue;
        }
        const r = rngFor(seed + seedOffset, index);
        const probe = probeFor(order[index]!, r, index, targets);
        let release = () => undefined as void;
        if (probe.heavy === true) {
          const previous = heavyTurn;
          heavyTurn = new Promise<void>((resolve) => (release = resolve));
          await previous;
        }
        const started = performance.now();
        let outcome: Outcome;
        try {
          outcome = await probe.run();
        } catch (error) {
          outcome = { transport: "client threw", detail: String(error) };
        } finally {
          release();
        }
        const ms = performance.now() - started;
        if (ms > slowest.ms) slowest = { ms, what: `${probe.kind}: ${probe.what}` };
        if (ms > 3_000)
          slow.push(
            `#${index} at ${Math.round(started - t0)} ms took ${Math.round(ms)} ms: ${probe.kind}: ${probe.what} -> ${describeOutcome(outcome)}`,
          );
        const label = describeOutcome(outcome);
        histogram.set(label, (histogram.get(label) ?? 0) + 1);
        const kindHistogram = byKind.get(probe.kind) ?? new Map<string, number>();
        kindHistogram.set(label, (kindHistogram.get(label) ?? 0) + 1);
        byKind.set(probe.kind, kindHistogram);
        const fault = faultOf(outcome, ms, probe);
        if (fault !== undefined)
          faults.push({ index, kind: probe.kind, what: `${probe.what}${probe.details === undefined ? "" : ` ${probe.details()}`}`, fault });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return { count: [...histogram.values()].reduce((a, b) => a + b, 0), histogram, byKind, faults, slowest, skipped, slow };
  }

  it("survives 2,000 hostile requests without INTERNAL/UNKNOWN/UNAVAILABLE, hangs, crashes or leaks", async () => {
    const started = performance.now();
    const pid = server.process.pid!;
    const sorted = (h: Map<string, number>) =>
      [...h.entries()].sort((a, b) => b[1] - a[1]).map(([label, n]) => `${String(n).padStart(6)}  ${label}`);

    // Warm-up: normal calls and a small slice of every kind, so that lazily built state exists.
    await normalCalls("warmup", 30);
    const warmupQuota = Object.fromEntries(
      (Object.entries(kinds) as [Kind, number][]).map(([kind, n]) => [kind, Math.ceil((n * WARMUP_REQUESTS) / REQUESTS)]),
    ) as Record<Kind, number>;
    const warmup = await runProbes(warmupQuota, 0x5eed, 30_000);
    await normalCalls("warmup2", 10);
    // V8 collects lazily (a run leaves 100+ MB of garbage in the heap for a minute or more), so
    // both readings follow full collections through the inspector: they compare what is kept.
    const heapBefore = await collectGarbage(inspectorUrl);
    const rssBefore = rssMb(pid);

    const run = await runProbes(kinds, 0, RUN_BUDGET_MS);
    const runMs = performance.now() - started;

    const serverErrors = new Map<string, number>();
    // The last line may still be being written: only whole lines are read.
    const stdout = server.output().stdout;
    for (const line of stdout.slice(0, stdout.lastIndexOf("\n") + 1).split("\n")) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line) as { level?: number; msg?: string; method?: string; err?: { message?: string; code?: string } };
      if ((entry.level ?? 0) < 40) continue;
      const key = `${entry.msg ?? ""} ${entry.method ?? ""} ${entry.err?.code ?? ""} ${(entry.err?.message ?? "").slice(0, 120)}`;
      serverErrors.set(key, (serverErrors.get(key) ?? 0) + 1);
    }
    const faults = [...warmup.faults.map((f) => ({ ...f, kind: `warm-up ${f.kind}` })), ...run.faults].map(
      (f) => `#${f.index} ${f.kind}: ${f.what} -> ${f.fault}`,
    );
    console.log(
      [
        `wire-fuzz seed ${seed} (reproduce with WIRE_FUZZ_SEED=${seed})`,
        `${REQUESTS} requests (+${warmup.count} warm-up), concurrency ${CONCURRENCY}, warm-up and run took ${(runMs / 1000).toFixed(1)} s`,
        "status histogram (gRPC/Connect code, or HTTP status when rejected before gRPC):",
        ...sorted(run.histogram),
        ...[...run.byKind].map(([kind, h]) => `  ${kind}: ${[...h.entries()].map(([l, n]) => `${l} x${n}`).join(", ")}`),
        `slowest: ${Math.round(run.slowest.ms)} ms (${run.slowest.what})`,
        ...run.slow.slice(0, 20).map((line) => `  ${line}`),
        `server warnings/errors logged: ${serverErrors.size === 0 ? "none" : ""}`,
        ...sorted(serverErrors),
        ...(faults.length === 0 ? [] : [`${faults.length} fault(s):`, ...faults.slice(0, 30).map((f) => `  ${f}`)]),
        ...(exitedEarly === undefined ? [] : [`server exited: ${JSON.stringify(exitedEarly)}`, server.output().stderr.slice(-4_000)]),
      ].join("\n"),
    );
    expect(exitedEarly).toBeUndefined();
    expect(faults).toEqual([]);
    expect(run.skipped + warmup.skipped).toBe(0);
    expect(run.count).toBe(REQUESTS);
    expect(run.slowest.ms).toBeLessThan(REQUEST_TIMEOUT_MS);

    // Afterwards ordinary calls still work.
    const after = await targets.client.put({
      config: { threadId: "after-fuzz" },
      checkpoint: {
        v: 4,
        id: "1ef-after",
        ts: new Date().toISOString(),
        channelValues: { v: { type: "json", data: Buffer.from("42") } },
        channelVersions: { v: { kind: { case: "stringValue", value: "00001" } } },
      },
      metadata: { source: "input", step: -1 },
      newVersions: { v: { kind: { case: "stringValue", value: "00001" } } },
    });
    expect(after.config).toMatchObject({ threadId: "after-fuzz", checkpointId: "1ef-after" });
    const { tuple } = await targets.client.getTuple({ config: { threadId: "after-fuzz" } });
    expect(tuple?.checkpoint?.id).toBe("1ef-after");
    expect(Buffer.from(tuple!.checkpoint!.channelValues.v!.data).toString()).toBe("42");
    expect(tuple?.metadata).toEqual({ source: "input", step: -1 });

    // Memory settles: a moment and a few normal calls, a full collection, then the lowest of a few samples.
    await sleep(1_000);
    await normalCalls("calm", 10);
    const rssUncollected = rssMb(pid);
    const heapAfter = await collectGarbage(inspectorUrl);
    let rssAfter = rssMb(pid);
    for (let i = 0; i < 6 && rssAfter - rssBefore >= MAX_RSS_GROWTH_MB; i++) {
      await sleep(500);
      rssAfter = Math.min(rssAfter, rssMb(pid));
    }
    console.log(
      `server RSS (VmRSS after a full GC): ${rssBefore.toFixed(1)} MB after warm-up, ${rssAfter.toFixed(1)} MB after the run` +
        ` (+${(rssAfter - rssBefore).toFixed(1)} MB); ${rssUncollected.toFixed(1)} MB before that GC;` +
        ` V8 heap used ${heapBefore.heapUsedMb.toFixed(1)} -> ${heapAfter.heapUsedMb.toFixed(1)} MB; whole test ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(rssAfter - rssBefore).toBeLessThan(MAX_RSS_GROWTH_MB);
    expect(exitedEarly).toBeUndefined();
  }, 180_000);
});
