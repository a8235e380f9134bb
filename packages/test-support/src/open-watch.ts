import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import {
  WatchRequestSchema,
  type CheckpointService,
  type WatchRequest,
  type WatchResponse,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

export interface OpenWatch {
  /** Queues a request on the stream. */
  send(init: MessageInitShape<typeof WatchRequestSchema>): void;
  /** The next response; rejects when the stream ended (or failed with its error). */
  next(): Promise<WatchResponse>;
  /** The next response that is not a heartbeat. */
  nextEvent(): Promise<WatchResponse>;
  /** Ends the request stream and cancels the call (the client's side of a cut connection). */
  close(): void;
}

/** A Watch stream driven by a test through the generated client: send requests, await responses. */
export function openWatch(client: Client<typeof CheckpointService>): OpenWatch {
  const pending: WatchRequest[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  async function* requests() {
    while (!closed) {
      if (pending.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      while (pending.length > 0) yield pending.shift()!;
    }
  }
  const controller = new AbortController();
  const responses = client.watch(requests(), { signal: controller.signal })[Symbol.asyncIterator]();
  const next = async (): Promise<WatchResponse> => {
    const r = await responses.next();
    if (r.done === true) throw new Error("stream ended");
    return r.value;
  };
  return {
    send(init) {
      pending.push(create(WatchRequestSchema, init));
      wake?.();
    },
    next,
    async nextEvent() {
      for (;;) {
        const r = await next();
        if (r.event?.kind.case !== "heartbeat") return r;
      }
    },
    close() {
      closed = true;
      wake?.();
      controller.abort();
    },
  };
}
