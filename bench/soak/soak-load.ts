import { randomBytes, randomInt } from "node:crypto";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { EventsCompactedError, compactedErrorOf } from "@checkpointd/client";
import type { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

type CheckpointClient = Client<typeof CheckpointService>;

export interface SoakLoadOptions {
  /** One client per replica; each loop picks one at random per call. */
  clients: readonly CheckpointClient[];
  /** Concurrent loops of each kind. */
  writers: number;
  readers: number;
  watchers: number;
  /** Threads the writers rotate over: each grows by one checkpoint per visit. */
  threads: number;
  /** Loops stop by themselves at this time (Date.now()). */
  until: number;
}

export interface SoakLoad {
  /** Latencies (ms) of the calls completed since the last drain, and the errors. */
  drain(): { latencies: number[]; errors: number; calls: number };
  done: Promise<void>;
}

const id = (step: number) => `1f0d0000-0000-6000-8000-${String(step).padStart(12, "0")}`;
const version = (n: number) => ({ kind: { case: "intValue" as const, value: BigInt(n) } });

/**
 * The soak's mixed load, bounded in time: writers (Put then PutWrites, a Resume and its claim
 * every tenth step), readers (GetTuple latest, an older id, List of 10), watchers (Subscribe
 * streams held 1-5 s, then cancelled and opened again on another thread).
 */
export function startSoakLoad(options: SoakLoadOptions): SoakLoad {
  let latencies: number[] = [];
  let errors = 0;
  const failures = new Map<string, { count: number; first: string }>();
  let calls = 0;
  const steps = new Array<number>(options.threads).fill(0);
  const client = () => options.clients[randomInt(options.clients.length)]!;
  const thread = (i: number) => `soak-${i}`;
  // Which call failed and how: the first message of each code, and how many (printed at the end).
  const failed = (name: string, error: unknown) => {
    errors++;
    const key = `${name}: ${error instanceof ConnectError ? Code[error.code] : "not a ConnectError"}`;
    const seen = failures.get(key);
    if (seen === undefined) failures.set(key, { count: 1, first: error instanceof Error ? error.message : String(error) });
    else seen.count++;
  };
  const timed = async (name: string, call: () => Promise<unknown>) => {
    const started = performance.now();
    try {
      await call();
      latencies.push(performance.now() - started);
    } catch (error) {
      failed(name, error);
    }
    calls++;
  };

  async function writer() {
    while (Date.now() < options.until) {
      const t = randomInt(options.threads);
      const step = steps[t]!++;
      const threadId = thread(t);
      await timed("put", () =>
        client().put({
          config: { threadId, checkpointNs: "", checkpointId: step === 0 ? "" : id(step - 1) },
          checkpoint: {
            v: 4,
            id: id(step),
            ts: new Date().toISOString(),
            channelValues: { messages: { type: "bytes", data: randomBytes(randomInt(256, 4_096)) } },
            channelVersions: { messages: version(step + 1) },
          },
          metadata: { step },
          newVersions: { messages: version(step + 1) },
        }),
      );
      await timed("putWrites", () =>
        client().putWrites({
          config: { threadId, checkpointNs: "", checkpointId: id(step) },
          taskId: `task-${step}`,
          taskPath: "",
          writes: [{ channel: "out", value: { type: "bytes", data: randomBytes(128) } }],
        }),
      );
      if (step % 10 === 9) {
        await timed("resume and claim", async () => {
          const { resumeId } = await client().resume({
            threadId,
            values: { "": { type: "json", data: new TextEncoder().encode('"ok"') } },
            idempotencyKey: `resume-${step}`,
          });
          await client().claimResume({ threadId, resumeId, workerId: "soak" });
        });
      }
    }
  }

  async function reader() {
    while (Date.now() < options.until) {
      const t = randomInt(options.threads);
      const threadId = thread(t);
      const step = steps[t]!;
      await timed("getTuple latest", () => client().getTuple({ config: { threadId, checkpointNs: "" } }));
      if (step > 1)
        await timed("getTuple older", () =>
          client().getTuple({ config: { threadId, checkpointNs: "", checkpointId: id(randomInt(step - 1)) } }),
        );
      await timed("list", async () => {
        for await (const _ of client().list({ config: { threadId }, limit: 10 })) void _;
      });
    }
  }

  // The last event id each thread's watchers saw: a watch resumes after it, as a real one does.
  const watched = new Array<bigint>(options.threads).fill(0n);
  let compacted = 0;
  async function watcher() {
    while (Date.now() < options.until) {
      const t = randomInt(options.threads);
      const signal = AbortSignal.timeout(randomInt(1_000, 5_000));
      try {
        for await (const { event } of client().subscribe({ threadId: thread(t), afterEventId: watched[t]! }, { signal }))
          if (event !== undefined && event.eventId > watched[t]!) watched[t] = event.eventId;
      } catch (error) {
        // The stream ends by its own timeout: that is the point.
        if (signal.aborted) continue;
        // Retention trimmed the log past where it resumed: go on after what was compacted, as the
        // TS client's EventsCompactedError says to. Swallowing this and asking again from the same id
        // spun ~130 failing streams a second, and connect-node resets each failed stream (RST_STREAM):
        // past nghttp2's limit (a burst of 1,000, then 33 a second) the server ended the whole
        // connection with INTERNAL, and every call on it failed.
        const compactedError = compactedErrorOf(error, thread(t));
        if (compactedError instanceof EventsCompactedError) {
          watched[t] = compactedError.compactedThrough;
          compacted++;
          continue;
        }
        failed("subscribe", error);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  const loops = [
    ...Array.from({ length: options.writers }, writer),
    ...Array.from({ length: options.readers }, reader),
    ...Array.from({ length: options.watchers }, watcher),
  ];
  return {
    drain() {
      const out = { latencies, errors, calls };
      latencies = [];
      errors = 0;
      calls = 0;
      return out;
    },
    done: Promise.all(loops).then(() => {
      for (const [key, { count, first }] of failures) console.error(`[soak] ${count} x ${key} (first: ${first})`);
      console.error(`[soak] ${compacted} watches resumed after a compacted log (retention trimmed their start)`);
    }),
  };
}
