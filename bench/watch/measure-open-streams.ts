import { setMaxListeners } from "node:events";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import pg from "pg";
import { readProcessStat } from "../cache/read-process-stat.js";
import { readProcessTreeCpuMicros } from "../cache/read-process-tree-cpu-micros.js";
import { benchCheckpointId, benchPutRequest } from "./bench-put-request.js";
import { countEstablishedConnections } from "./count-established-connections.js";
import { openEventStream, type EventStreamRpc } from "./open-event-stream.js";
import { readRssKiB } from "./read-rss-kib.js";
import type { HeapProbe } from "./spawn-probed-checkpointd.js";
import { summarizeLatencies, type LatencySummary } from "./summarize-latencies.js";

export interface OpenStreamsOptions {
  port: number;
  /** The server's database, for its transaction count (pg_stat_database). */
  databaseUrl: string;
  /** The server process, for its RSS and CPU. */
  pid: number;
  rpc: EventStreamRpc;
  /** HTTP/2 connections (one client each) the streams are spread over. */
  clients: number;
  streamsPerClient: number;
  /** Stream s of every client follows thread s % threads. */
  threads: number;
  putsPerSecond: number;
  seconds: number;
  /** Puts outstanding at most; the writer waits (a "stall") when the server falls this far behind. */
  maxInFlight: number;
  /** How long every stream gets to receive the opening event of its thread. */
  openTimeoutMs: number;
  /** After the last Put answered, how long the streams get to deliver everything. */
  drainTimeoutMs: number;
  /** Asks the server for its heap after a forced full GC, its event-loop delay and GC pauses (heap-probe-preload.ts). */
  probe?: (() => Promise<HeapProbe>) | undefined;
  /** The PostgreSQL postmaster, for the CPU of the whole database server. */
  postgresPid?: number | undefined;
  log: (message: string) => void;
}

/** The server's memory at one point: RSS as it was (median of 5 readings over 1 s), then the probe, which forces a full GC. */
export interface MemoryPoint {
  rssKiB: number;
  probe: HeapProbe | undefined;
}

export interface OpenStreamsRun {
  streams: number;
  threads: number;
  clients: number;
  rpc: EventStreamRpc;
  /** Connections the server had accepted once every stream was open (the writer's included). */
  serverConnections: number;
  memory: {
    /** Idle server, after a warm-up that opened and closed 10 streams. */
    before: MemoryPoint;
    /** Every stream open and delivered its thread's opening event, 2 s later. */
    opened: MemoryPoint;
    /** Highest RSS sample (every 100 ms) while events flowed and drained. */
    peakFlowingRssKiB: number;
    /** Once everything was delivered, streams still open. */
    endFlowing: MemoryPoint;
    /** 2 s after every stream was cancelled. */
    afterClose: MemoryPoint;
  };
  /** RSS (opened − before) / streams. */
  perStreamKiB: number;
  /** Live heap after a forced GC, (opened − before) / streams; undefined without a probe. */
  perStreamHeapKiB: number | undefined;
  /** Event-loop delay and GC pauses from the end of opening to the end of the drain (the end-of-flow probe). */
  flowProbe: HeapProbe | undefined;
  /** Opening all streams, until every one had its thread's opening event. */
  openMs: number;
  /** Streams that got the opening event within openTimeoutMs. */
  streamsOpened: number;
  puts: { planned: number; ok: number; failed: number; firstError: string | undefined; sendSeconds: number; stalls: number };
  deliveries: {
    /** Flow events only: the successful Puts of each stream's thread, summed over streams. */
    expected: number;
    delivered: number;
    missing: number;
    /** Events whose id was not above the last one the stream had. */
    duplicates: number;
    /** Events whose id skipped ahead of last + 1. */
    gaps: number;
    /** Streams that failed, ended, or got an error event. */
    streamErrors: number;
    firstStreamError: string | undefined;
    /** Streams that ended up short, described ("stream 3 (thread t-3): 39 of 40"), at most 10. */
    short: string[];
    /** From the last Put's answer to the last expected delivery (or the drain timeout). */
    drainMs: number;
    heartbeats: number;
  };
  /** Bench clock: just before the Put was sent → a stream had its checkpoint_saved event; one sample per delivery. */
  latency: LatencySummary;
  /** The same, by when the Put was sent: the flow cut into 4 equal windows. */
  latencyByWindow: { fromS: number; toS: number; latency: LatencySummary; put: LatencySummary }[];
  /** Bench clock: just before the Put was sent → its answer. */
  putLatency: LatencySummary;
  /** Server CPU (utime + stime) from the first Put to the end of the drain. */
  serverCpu: { coreShare: number; microsPerDelivery: number; microsPerPut: number };
  /** Cores used over the same span by PostgreSQL (postmaster and children) and by this process (all the clients and the writer). */
  otherCpu: { postgresCoreShare: number; benchCoreShare: number };
  /**
   * The server's connections to its database that were busy (pg_stat_activity
   * state other than idle), sampled every 250 ms over the same span. The
   * server has 13: a pool of 10 for storage, 2 for NOTIFY, 1 that LISTENs.
   */
  busyConnections: { mean: number; max: number; samplesAtLeast10: number; samples: number };
  /** Transactions committed in the server's database (pg_stat_database.xact_commit) over the same span, stats-collector lag aside. */
  postgresCommits: number;
  /** This process's event-loop delay over the same span: a busy client delays what it timestamps. */
  benchLoopDelay: { p99Ms: number; maxMs: number };
}

interface StreamState {
  index: number;
  thread: number;
  threadId: string;
  lastEventId: bigint;
  /** Events received, opening event included. */
  received: number;
  error: string | undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));
const connect = (port: number): Client<typeof CheckpointService> =>
  createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));

/** The median of `samples` RSS readings taken `everyMs` apart (one reading is at the mercy of the GC). */
async function settledRssKiB(pid: number, samples = 5, everyMs = 200): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(everyMs);
    readings.push(readRssKiB(pid) ?? Number.NaN);
  }
  readings.sort((a, b) => a - b);
  return readings[Math.floor(readings.length / 2)] ?? Number.NaN;
}

/** Transactions committed so far in the database at `url` (each autocommitted query counts as one). */
async function committedTransactions(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Statistics reach the view up to a second late: force this backend's out first, then read.
    await client.query("select pg_stat_clear_snapshot()");
    const { rows } = await client.query<{ n: string }>(
      "select xact_commit::text as n from pg_stat_database where datname = current_database()",
    );
    return Number(rows[0]?.n ?? Number.NaN);
  } finally {
    await client.end();
  }
}

/**
 * Samples, every `everyMs`, how many of the other connections to the database
 * at `url` are busy; stop() ends the sampling and returns the samples.
 */
async function sampleBusyConnections(url: string, everyMs: number): Promise<{ stop(): Promise<number[]> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const samples: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await client.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'",
      );
      samples.push(rows[0]?.n ?? 0);
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await client.end();
      return samples;
    },
  };
}

/** Polls `done` every 50 ms; resolves true when it holds, false after timeoutMs. */
async function pollUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * Many open watch streams on one server while events flow: opens
 * clients × streamsPerClient streams, each following one of `threads`
 * threads; writes one opening checkpoint per thread and waits until every
 * stream has it; then Puts at a steady, bounded rate for `seconds`
 * (round-robin over the threads) while every stream reads. Samples the
 * server's RSS and checks that every stream received every event of its
 * thread, once and in order.
 */
export async function measureOpenStreams(options: OpenStreamsOptions): Promise<OpenStreamsRun> {
  const { pid, threads, log } = options;
  const memoryPoint = async (): Promise<MemoryPoint> => {
    const rssKiB = await settledRssKiB(pid);
    return { rssKiB, probe: await options.probe?.() };
  };
  const threadIds = Array.from({ length: threads }, (_, i) => `watched-${i}`);
  const writer = connect(options.port);

  // Warm-up: the code paths of a stream and of a delivery run once before "before" is read.
  {
    const warmClient = connect(options.port);
    const warm = new AbortController();
    setMaxListeners(100, warm.signal);
    let seen = 0;
    const warmStreams = Array.from({ length: 10 }, async (_, i) => {
      try {
        for await (const event of openEventStream(warmClient, options.rpc, `warm-${i}`, 0n, warm.signal)) {
          if (event.kind.case === "checkpointSaved") seen++;
        }
      } catch {
        // cancelled below
      }
    });
    for (let i = 0; i < 10; i++) await writer.put(benchPutRequest(`warm-${i}`, 0), { timeoutMs: 10_000 });
    const warmed = await pollUntil(() => seen === 10, options.openTimeoutMs);
    warm.abort();
    await Promise.all(warmStreams);
    if (!warmed) throw new Error(`warm-up: only ${seen} of 10 streams saw their event`);
    await sleep(1_000);
  }
  const before = await memoryPoint();
  log(`server RSS before opening: ${Math.round(before.rssKiB / 1024)} MiB`);

  // Open every stream; each thread's opening checkpoint shows that each of its streams is live.
  const controller = new AbortController();
  // Every stream listens to this one signal (here and in connect-node): no "possible leak" warning for that.
  setMaxListeners(4 * options.clients * options.streamsPerClient, controller.signal);
  const sendTimes = new Map<string, number>();
  /** One per delivery: when its Put was sent (ms after the flow began) and how long it took to arrive. */
  const latencies: { sentAt: number; ms: number }[] = [];
  const putLatencies: { sentAt: number; ms: number }[] = [];
  let flowStarted = Number.NaN;
  const states: StreamState[] = [];
  let duplicates = 0;
  let gaps = 0;
  let heartbeats = 0;
  const consume = async (client: Client<typeof CheckpointService>, state: StreamState) => {
    try {
      for await (const event of openEventStream(client, options.rpc, state.threadId, 0n, controller.signal)) {
        const at = performance.now();
        if (event.kind.case === "heartbeat") {
          heartbeats++;
          continue;
        }
        if (event.kind.case === "error") {
          state.error ??= `error event ${event.kind.value.code}: ${event.kind.value.message}`;
          continue;
        }
        if (event.eventId <= state.lastEventId) {
          duplicates++;
          continue;
        }
        if (event.eventId !== state.lastEventId + 1n) gaps++;
        state.lastEventId = event.eventId;
        state.received++;
        if (event.kind.case === "checkpointSaved") {
          const sent = sendTimes.get(`${event.threadId}/${event.kind.value.config?.checkpointId ?? ""}`);
          if (sent !== undefined) latencies.push({ sentAt: sent - flowStarted, ms: at - sent });
        }
      }
      if (!controller.signal.aborted) state.error ??= "the server ended the stream";
    } catch (error) {
      if (!controller.signal.aborted) state.error ??= errorMessage(error);
    }
  };
  const openStarted = performance.now();
  const consumers: Promise<void>[] = [];
  for (let c = 0; c < options.clients; c++) {
    const client = connect(options.port);
    for (let s = 0; s < options.streamsPerClient; s++) {
      const state: StreamState = {
        index: states.length,
        thread: s % threads,
        threadId: threadIds[s % threads] ?? "",
        lastEventId: 0n,
        received: 0,
        error: undefined,
      };
      states.push(state);
      consumers.push(consume(client, state));
    }
  }
  for (const threadId of threadIds) await writer.put(benchPutRequest(threadId, 0), { timeoutMs: 10_000 });
  await pollUntil(() => states.every((s) => s.received >= 1), options.openTimeoutMs);
  const openMs = performance.now() - openStarted;
  const streamsOpened = states.filter((s) => s.received >= 1).length;
  const serverConnections = countEstablishedConnections(options.port);
  log(`${streamsOpened} of ${states.length} streams live after ${Math.round(openMs)} ms, over ${serverConnections} connections`);
  await sleep(2_000);
  const opened = await memoryPoint();
  log(`server RSS with the streams open: ${Math.round(opened.rssKiB / 1024)} MiB`);

  // Flow: Puts at a steady rate, round-robin over the threads, at most maxInFlight outstanding.
  let peakFlowing = opened.rssKiB;
  const sampler = setInterval(() => (peakFlowing = Math.max(peakFlowing, readRssKiB(pid) ?? 0)), 100);
  sampler.unref();
  const okPuts = new Array<number>(threads).fill(0);
  let failed = 0;
  let firstError: string | undefined;
  let stalls = 0;
  const planned = options.putsPerSecond * options.seconds;
  const commitsStart = await committedTransactions(options.databaseUrl);
  const busySampler = await sampleBusyConnections(options.databaseUrl, 250);
  const cpuStart = readProcessStat(pid)?.cpuMicros ?? Number.NaN;
  const postgresCpuStart = options.postgresPid === undefined ? Number.NaN : readProcessTreeCpuMicros(options.postgresPid);
  const benchCpuStart = process.cpuUsage();
  const benchLoop = monitorEventLoopDelay({ resolution: 10 });
  benchLoop.enable();
  flowStarted = performance.now();
  const inFlight = new Set<Promise<void>>();
  log(`writing ${planned} Puts at ${options.putsPerSecond}/s over ${threads} threads`);
  for (let i = 0; i < planned; i++) {
    const wait = flowStarted + (i * 1000) / options.putsPerSecond - performance.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= options.maxInFlight) {
      stalls++;
      await Promise.race(inFlight);
    }
    const thread = i % threads;
    const step = 1 + Math.floor(i / threads);
    const threadId = threadIds[thread] ?? "";
    const request = benchPutRequest(threadId, step);
    const sent = performance.now();
    sendTimes.set(`${threadId}/${benchCheckpointId(step)}`, sent);
    const put: Promise<void> = writer
      .put(request, { timeoutMs: 10_000 })
      .then(
        () => {
          okPuts[thread] = (okPuts[thread] ?? 0) + 1;
          putLatencies.push({ sentAt: sent - flowStarted, ms: performance.now() - sent });
        },
        (error: unknown) => {
          failed++;
          firstError ??= errorMessage(error);
        },
      )
      .finally(() => inFlight.delete(put));
    inFlight.add(put);
  }
  const sendSeconds = (performance.now() - flowStarted) / 1000;
  await Promise.all(inFlight);
  const lastAnswered = performance.now();

  const expectedOf = (state: StreamState) => 1 + (okPuts[state.thread] ?? 0);
  await pollUntil(() => states.every((s) => s.received >= expectedOf(s)), options.drainTimeoutMs);
  const drainMs = performance.now() - lastAnswered;
  const cpuEnd = readProcessStat(pid)?.cpuMicros ?? Number.NaN;
  const postgresCpuEnd = options.postgresPid === undefined ? Number.NaN : readProcessTreeCpuMicros(options.postgresPid);
  const benchCpu = process.cpuUsage(benchCpuStart);
  const busy = await busySampler.stop();
  benchLoop.disable();
  const flowSeconds = (performance.now() - flowStarted) / 1000;
  const endFlowing = await memoryPoint();
  // After the ≥ 1 s that memoryPoint takes: the server's backends have flushed their statistics by now.
  const commitsEnd = await committedTransactions(options.databaseUrl);
  clearInterval(sampler);
  peakFlowing = Math.max(peakFlowing, endFlowing.rssKiB);
  log(`flow over: RSS peak ${Math.round(peakFlowing / 1024)} MiB; drained ${Math.round(drainMs)} ms after the last Put`);

  controller.abort();
  await Promise.all(consumers);
  await sleep(2_000);
  const afterClose = await memoryPoint();

  const ok = okPuts.reduce((a, b) => a + b, 0);
  const expected = states.reduce((total, s) => total + expectedOf(s) - 1, 0);
  const delivered = states.reduce((total, s) => total + Math.max(0, s.received - 1), 0);
  const shortStreams = states.filter((s) => s.received < expectedOf(s));
  const failedStreams = states.filter((s) => s.error !== undefined);
  const cpuMicros = cpuEnd - cpuStart;
  return {
    streams: states.length,
    threads,
    clients: options.clients,
    rpc: options.rpc,
    serverConnections,
    memory: { before, opened, peakFlowingRssKiB: peakFlowing, endFlowing, afterClose },
    perStreamKiB: (opened.rssKiB - before.rssKiB) / states.length,
    perStreamHeapKiB:
      opened.probe === undefined || before.probe === undefined
        ? undefined
        : (opened.probe.heapUsedKiB - before.probe.heapUsedKiB) / states.length,
    flowProbe: endFlowing.probe,
    openMs,
    streamsOpened,
    puts: { planned, ok, failed, firstError, sendSeconds, stalls },
    deliveries: {
      expected,
      delivered,
      missing: states.reduce((total, s) => total + Math.max(0, expectedOf(s) - s.received), 0),
      duplicates,
      gaps,
      streamErrors: failedStreams.length,
      firstStreamError: failedStreams[0]?.error,
      short: shortStreams
        .slice(0, 10)
        .map(
          (s) =>
            `stream ${s.index} (thread ${s.threadId}): ${s.received} of ${expectedOf(s)} events, last id ${s.lastEventId}${s.error === undefined ? "" : `, ${s.error}`}`,
        ),
      drainMs,
      heartbeats,
    },
    latency: summarizeLatencies(latencies.map((l) => l.ms)),
    latencyByWindow: Array.from({ length: 4 }, (_, w) => {
      const fromS = (w * options.seconds) / 4;
      const toS = ((w + 1) * options.seconds) / 4;
      const inWindow = (l: { sentAt: number }) => l.sentAt >= fromS * 1000 && (l.sentAt < toS * 1000 || w === 3);
      return {
        fromS,
        toS,
        latency: summarizeLatencies(latencies.filter(inWindow).map((l) => l.ms)),
        put: summarizeLatencies(putLatencies.filter(inWindow).map((l) => l.ms)),
      };
    }),
    putLatency: summarizeLatencies(putLatencies.map((l) => l.ms)),
    serverCpu: {
      coreShare: cpuMicros / 1e6 / flowSeconds,
      microsPerDelivery: cpuMicros / Math.max(1, delivered),
      microsPerPut: cpuMicros / Math.max(1, ok),
    },
    otherCpu: {
      postgresCoreShare: (postgresCpuEnd - postgresCpuStart) / 1e6 / flowSeconds,
      benchCoreShare: (benchCpu.user + benchCpu.system) / 1e6 / flowSeconds,
    },
    postgresCommits: commitsEnd - commitsStart,
    busyConnections: {
      mean: busy.reduce((a, b) => a + b, 0) / Math.max(1, busy.length),
      max: Math.max(0, ...busy),
      samplesAtLeast10: busy.filter((n) => n >= 10).length,
      samples: busy.length,
    },
    benchLoopDelay: { p99Ms: benchLoop.percentile(99) / 1e6, maxMs: benchLoop.max / 1e6 },
  };
}
