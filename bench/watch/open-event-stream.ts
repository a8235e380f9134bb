import type { Client } from "@connectrpc/connect";
import type { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { WatchEvent } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";

/** Which streaming RPC carries the events: the bidi `Watch` or the server-streaming `Subscribe`. */
export type EventStreamRpc = "watch" | "subscribe";

/** Resolves when the signal aborts (at once if it already has). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/**
 * One thread's events, heartbeats included, from `afterEventId` on, until the
 * signal aborts (the iteration then throws a Canceled ConnectError). Watch
 * sends one `subscribe` and keeps its request side open until the abort, as
 * a long-lived watcher would; Subscribe sends the same request once.
 */
export async function* openEventStream(
  client: Client<typeof CheckpointService>,
  rpc: EventStreamRpc,
  threadId: string,
  afterEventId: bigint,
  signal: AbortSignal,
): AsyncGenerator<WatchEvent> {
  if (rpc === "subscribe") {
    for await (const response of client.subscribe({ threadId, afterEventId }, { signal })) {
      if (response.event !== undefined) yield response.event;
    }
    return;
  }
  async function* requests() {
    yield { kind: { case: "subscribe" as const, value: { threadId, afterEventId } } };
    await aborted(signal);
  }
  for await (const response of client.watch(requests(), { signal })) {
    if (response.event !== undefined) yield response.event;
  }
}
