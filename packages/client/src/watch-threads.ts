import type { MessageInitShape } from "@bufbuild/protobuf";
import { CheckpointService, type WatchRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { WatchEvent } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { abortableSleep } from "./abortable-sleep.js";
import { backoffDelay } from "./backoff-delay.js";
import { normalizeError } from "./call-with-retries.js";
import { EventsCompactedError } from "./events-compacted-error.js";

type WatchRequestInit = MessageInitShape<typeof WatchRequestSchema>;

/** A thread to watch, optionally from an event id already seen (its events after that id are replayed). */
export interface WatchThread {
  threadId: string;
  /** Replay events after this id (default 0n: the whole stored log). */
  afterEventId?: bigint;
  /** Only this namespace's events (default: all). */
  checkpointNs?: string;
}

export interface WatchReconnectOptions {
  /** Consecutive failed connections before the watch gives up and throws (default 30). */
  maxAttempts: number;
  /** Default 100 ms. */
  initialBackoffMs: number;
  /** Default 5 000 ms. */
  maxBackoffMs: number;
  /** Default 2. */
  multiplier: number;
}

export const defaultWatchReconnectOptions: Readonly<WatchReconnectOptions> = {
  maxAttempts: 30,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
  multiplier: 2,
};

export interface WatchOptions {
  threads?: ReadonlyArray<string | WatchThread>;
  /** Ends the watch (the iterator finishes without an error). */
  signal?: AbortSignal;
  /** Yield heartbeat events too (default false). */
  heartbeats?: boolean;
  reconnect?: Partial<WatchReconnectOptions>;
  /** Told about each reconnect, with the error that ended the previous stream (undefined: it just ended). */
  onReconnect?: (attempt: number, error: unknown) => void;
}

/**
 * The events of the watched threads, in order per thread, across reconnects.
 * Iterate it once. `error` events (a bad subscription) are yielded and the
 * watch goes on; stream failures are not seen, only retried. A thread whose
 * log was trimmed past where it resumes ends the watch with EventsCompactedError.
 */
export interface ThreadWatch extends AsyncIterable<WatchEvent> {
  subscribe(thread: string | WatchThread): void;
  unsubscribe(threadId: string): void;
  /** The last event id seen for a watched thread (what a reconnect resumes after). */
  lastEventId(threadId: string): bigint | undefined;
  /** Ends the watch; a pending iteration finishes. */
  close(): void;
}

/** Errors after which reconnecting can help. Others (bad arguments, auth) end the watch. */
export const watchReconnectCodes: ReadonlySet<Code> = new Set<Code>([
  Code.Unavailable,
  Code.Unknown,
  Code.Internal,
  Code.DeadlineExceeded,
  Code.ResourceExhausted,
  Code.Aborted,
  Code.Canceled,
]);

/** Requests for one Watch stream: pushed by subscribe()/unsubscribe(), pulled by the transport. */
class RequestQueue implements AsyncIterable<WatchRequestInit> {
  private readonly items: WatchRequestInit[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  push(item: WatchRequestInit) {
    if (this.ended) return;
    this.items.push(item);
    this.wake?.();
  }

  end() {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WatchRequestInit> {
    while (!this.ended) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

interface Subscription {
  afterEventId: bigint;
  checkpointNs: string | undefined;
}

function subscribeRequest(threadId: string, sub: Subscription): WatchRequestInit {
  return {
    kind: {
      case: "subscribe",
      value: { threadId, afterEventId: sub.afterEventId, ...(sub.checkpointNs === undefined ? {} : { checkpointNs: sub.checkpointNs }) },
    },
  };
}

/** See CheckpointdClient.watch(). */
export function watchThreads(raw: Client<typeof CheckpointService>, options: WatchOptions): ThreadWatch {
  const policy: WatchReconnectOptions = { ...defaultWatchReconnectOptions, ...options.reconnect };
  const subscriptions = new Map<string, Subscription>();
  const controller = new AbortController();
  const signal = options.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, options.signal]);
  let current: RequestQueue | undefined;
  let iterated = false;

  const add = (thread: string | WatchThread) => {
    const t = typeof thread === "string" ? { threadId: thread } : thread;
    if (t.threadId === "") throw new Error("watch: thread_id is required");
    const sub: Subscription = { afterEventId: t.afterEventId ?? 0n, checkpointNs: t.checkpointNs };
    subscriptions.set(t.threadId, sub);
    return [t.threadId, sub] as const;
  };
  for (const thread of options.threads ?? []) add(thread);

  async function* run(): AsyncGenerator<WatchEvent> {
    let failures = 0;
    try {
      while (!signal.aborted) {
        const queue = new RequestQueue();
        current = queue;
        for (const [threadId, sub] of subscriptions) queue.push(subscribeRequest(threadId, sub));
        let failure: unknown;
        try {
          for await (const response of raw.watch(queue, { signal })) {
            failures = 0;
            const event = response.event;
            if (event === undefined) continue;
            if (event.kind.case === "heartbeat") {
              if (options.heartbeats === true) yield event;
              continue;
            }
            if (event.kind.case === "error" && event.kind.value.code === Code.OutOfRange && event.kind.value.compactedThrough > 0n) {
              // The thread's log was trimmed past where it resumes: no silent gap, the watch ends.
              throw new EventsCompactedError(event.threadId, event.kind.value.compactedThrough, event.kind.value.message);
            }
            const sub = subscriptions.get(event.threadId);
            if (sub !== undefined && event.kind.case !== "error") {
              // A replay after a reconnect starts after the last id seen; never yield one twice.
              if (event.eventId <= sub.afterEventId) continue;
              sub.afterEventId = event.eventId;
            }
            yield event;
          }
        } catch (error) {
          if (error instanceof EventsCompactedError) throw error;
          failure = error;
        } finally {
          queue.end();
          if (current === queue) current = undefined;
        }
        if (signal.aborted) return;
        if (failure !== undefined && !watchReconnectCodes.has(normalizeError(failure).code)) throw normalizeError(failure);
        failures += 1;
        if (failures >= policy.maxAttempts) {
          throw new ConnectError(
            `watch: gave up after ${failures} failed connections: ${failure === undefined ? "the stream kept ending" : normalizeError(failure).message}`,
            Code.Unavailable,
          );
        }
        try {
          await abortableSleep(backoffDelay(failures, policy), signal);
        } catch {
          return;
        }
        options.onReconnect?.(failures, failure);
      }
    } finally {
      controller.abort();
    }
  }

  return {
    [Symbol.asyncIterator]() {
      if (iterated) throw new Error("watch: iterate a ThreadWatch only once");
      iterated = true;
      return run();
    },
    subscribe(thread) {
      const [threadId, sub] = add(thread);
      current?.push(subscribeRequest(threadId, sub));
    },
    unsubscribe(threadId) {
      subscriptions.delete(threadId);
      current?.push({ kind: { case: "unsubscribe", value: { threadId } } });
    },
    lastEventId(threadId) {
      return subscriptions.get(threadId)?.afterEventId;
    },
    close() {
      controller.abort();
      current?.end();
    },
  };
}
