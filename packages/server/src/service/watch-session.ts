import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  ClaimResumeRequest,
  ClaimResumeResponseSchema,
  ResumeRequest,
  ResumeResponseSchema,
  SubscribeRequest,
  WatchRequest,
  WatchResponseSchema,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { WatchEventSchema } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import { Code, invalidArgument, ServiceError } from "../errors/service-error.js";
import { EventsCompactedError } from "../errors/events-compacted-error.js";
import { createAsyncQueue } from "../events/async-queue.js";
import type { HandlerContext } from "./service-impl.js";
import { requireField } from "./validate-request.js";

type WatchResponse = MessageInitShape<typeof WatchResponseSchema>;

/** What a Watch stream does with its requests. */
export interface WatchSessionHandlers {
  follow(req: SubscribeRequest, signal: AbortSignal): AsyncIterable<MessageInitShape<typeof WatchEventSchema>>;
  resume(req: ResumeRequest): Promise<MessageInitShape<typeof ResumeResponseSchema>>;
  claimResume(req: ClaimResumeRequest): Promise<MessageInitShape<typeof ClaimResumeResponseSchema>>;
}

const errorEvent = (code: Code, message: string, compactedThrough = 0n): WatchResponse => ({
  event: { kind: { case: "error", value: { code, message, compactedThrough } } },
});

/** A failed request or subscription as an error event: the stream lives on. */
const describe = (error: unknown) =>
  error instanceof EventsCompactedError
    ? errorEvent(error.code, error.message, error.compactedThrough)
    : error instanceof ServiceError
      ? errorEvent(error.code, error.message)
      : errorEvent(Code.Internal, "internal error (logged on the server)");

/**
 * One Watch stream: its requests are handled in order, each subscription
 * forwards its events, and all of them write to one bounded queue that the
 * returned stream drains. A request or subscription that fails becomes an
 * error event; a task that fails otherwise (the request stream breaking, an
 * undecodable message) ends the call with that error. The stream ends when the
 * call does, and ending it stops every subscription.
 */
export async function* createWatchSession(
  requests: AsyncIterable<WatchRequest>,
  context: HandlerContext,
  handlers: WatchSessionHandlers,
): AsyncGenerator<WatchResponse> {
  const out = createAsyncQueue<WatchResponse>(64);
  const subscriptions = new Map<string, AbortController>();

  /** Runs beside the stream; its failure is handled here, once: it ends the call. */
  const spawn = (task: () => Promise<void>) => {
    task().catch((error: unknown) => out.fail(error));
  };

  const subscribe = (req: SubscribeRequest) => {
    subscriptions.get(req.threadId)?.abort();
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, context.signal]);
    subscriptions.set(req.threadId, controller);
    spawn(async () => {
      try {
        for await (const event of handlers.follow(req, signal)) await out.push({ event });
      } catch (error) {
        // The subscription's error names its thread (a stream watches many: compaction is per thread).
        if (!signal.aborted) await out.push({ event: { ...describe(error).event, threadId: req.threadId } });
      }
    });
  };

  const handle = async (req: WatchRequest) => {
    switch (req.kind.case) {
      case "subscribe":
        requireField(req.kind.value.threadId, "subscribe.thread_id");
        subscribe(req.kind.value);
        return;
      case "unsubscribe":
        subscriptions.get(req.kind.value.threadId)?.abort();
        subscriptions.delete(req.kind.value.threadId);
        return;
      case "resume":
        return out.push({ resumed: await handlers.resume(req.kind.value) });
      case "claim":
        return out.push({ claimed: await handlers.claimResume(req.kind.value) });
      default:
        throw invalidArgument("a WatchRequest needs one of subscribe, unsubscribe, resume or claim");
    }
  };

  spawn(async () => {
    for await (const req of requests) {
      try {
        await handle(req);
      } catch (error) {
        await out.push(describe(error));
      }
    }
  });

  // The stream ends when the call does: the queue fails with the call's reason. (Racing
  // every shift against one long-lived promise would leave a reaction per event on it.)
  const onClose = () => out.fail(context.signal.reason);
  if (context.signal.aborted) onClose();
  else context.signal.addEventListener("abort", onClose, { once: true });
  try {
    for (;;) yield await out.shift();
  } finally {
    context.signal.removeEventListener("abort", onClose);
    for (const controller of subscriptions.values()) controller.abort();
    out.fail(new ServiceError(Code.Cancelled, "stream closed"));
  }
}
