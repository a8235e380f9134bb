import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { benchCheckpointId, benchPutRequest } from "./bench-put-request.js";
import { interruptPutWritesRequest } from "./interrupt-put-writes-request.js";
import { openEventStream, type EventStreamRpc } from "./open-event-stream.js";
import { summarizeLatencies, type LatencySummary } from "./summarize-latencies.js";

export interface InterruptLatencyOptions {
  /** The replica the watcher is subscribed on. */
  watchPort: number;
  /** The replica the writer sends PutWrites to (the same port: same replica). */
  writePort: number;
  threadId: string;
  rpc: EventStreamRpc;
  /** Interrupts sent first and not measured. */
  warmup: number;
  /** Interrupts measured. */
  count: number;
  /** An interrupt the watcher has not seen after this long counts as late, and the next one is sent. */
  eventTimeoutMs: number;
  /** The whole run stops after this long, however far it got. */
  deadlineMs: number;
}

export interface InterruptLatencyRun {
  /** Bench clock: just before PutWrites is sent → the watcher's loop has the `interrupted` event. */
  latency: LatencySummary;
  /** Bench clock: just before PutWrites is sent → its response. */
  ack: LatencySummary;
  /** Measured interrupts the watcher had before the writer had its PutWrites response. */
  receivedBeforeAck: number;
  /** Measured interrupts not seen within eventTimeoutMs (not in `latency`). */
  late: number;
  writeErrors: number;
  firstWriteError: string | undefined;
  /** The watch stream failed or ended before the run was over. */
  streamError: string | undefined;
  /** Stopped by the deadline before `count` interrupts were measured. */
  cutShort: boolean;
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Interrupt-to-watcher latency: a watcher subscribed on one replica, a writer
 * on another (or the same), each PutWrites with an `__interrupt__` write sent
 * only after the previous interrupt reached the watcher. Both ends run in
 * this process, so one clock (performance.now) times them. Each end has its
 * own HTTP/2 connection, even on the same replica.
 */
export async function measureInterruptLatency(options: InterruptLatencyOptions): Promise<InterruptLatencyRun> {
  const { threadId } = options;
  const watcher = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${options.watchPort}` }));
  const writer = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${options.writePort}` }));
  const controller = new AbortController();

  const arrivals = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  let streamError: string | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const consuming = (async () => {
    try {
      for await (const event of openEventStream(watcher, options.rpc, threadId, 0n, controller.signal)) {
        const at = performance.now();
        if (event.kind.case === "interrupted") {
          arrivals.set(event.kind.value.taskId, at);
          waiters.get(event.kind.value.taskId)?.(at);
        } else if (event.kind.case === "checkpointSaved") {
          markReady();
        } else if (event.kind.case === "error") {
          streamError ??= `error event ${event.kind.value.code}: ${event.kind.value.message}`;
        }
      }
      if (!controller.signal.aborted) streamError ??= "the server ended the stream";
    } catch (error) {
      if (!controller.signal.aborted) streamError ??= errorMessage(error);
    }
  })();

  /** When the watcher saw the task's interrupt (bench clock), or undefined after timeoutMs. */
  const arrival = (taskId: string, timeoutMs: number): Promise<number | undefined> => {
    const seen = arrivals.get(taskId);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiters.delete(taskId);
        resolve(undefined);
      }, timeoutMs);
      waiters.set(taskId, (at) => {
        clearTimeout(timer);
        waiters.delete(taskId);
        resolve(at);
      });
    });
  };

  const latencies: number[] = [];
  const acks: number[] = [];
  let receivedBeforeAck = 0;
  let late = 0;
  let writeErrors = 0;
  let firstWriteError: string | undefined;
  let cutShort = false;
  try {
    // The checkpoint the interrupts are written against; its event (through the bus) shows the watcher is live.
    await writer.put(benchPutRequest(threadId, 0), { timeoutMs: 10_000 });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the watcher did not see the first checkpoint within 10 s (${streamError ?? "no stream error"})`)),
        10_000,
      );
    });
    await Promise.race([ready, timedOut]).finally(() => clearTimeout(timer));

    const started = performance.now();
    for (let i = 0; i < options.warmup + options.count; i++) {
      if (performance.now() - started > options.deadlineMs) {
        cutShort = true;
        break;
      }
      const taskId = `task-${i}`;
      const sent = performance.now();
      try {
        await writer.putWrites(interruptPutWritesRequest(threadId, benchCheckpointId(0), taskId), { timeoutMs: 10_000 });
      } catch (error) {
        writeErrors++;
        firstWriteError ??= errorMessage(error);
        continue;
      }
      const acked = performance.now();
      const received = await arrival(taskId, options.eventTimeoutMs);
      arrivals.delete(taskId);
      if (i < options.warmup) continue;
      acks.push(acked - sent);
      if (received === undefined) {
        late++;
        continue;
      }
      latencies.push(received - sent);
      if (received < acked) receivedBeforeAck++;
    }
  } finally {
    controller.abort();
    await consuming;
  }
  return {
    latency: summarizeLatencies(latencies),
    ack: summarizeLatencies(acks),
    receivedBeforeAck,
    late,
    writeErrors,
    firstWriteError,
    streamError,
    cutShort,
  };
}
