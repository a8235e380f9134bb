import { randomUUID } from "node:crypto";
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import type {
  CheckpointService,
  ClaimResumeRequest,
  ResumeRequest,
  SubscribeRequest,
  WatchResponseSchema,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { ResumeRequestedSchema, type WatchEventSchema } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import { Code, invalidArgument, ServiceError } from "../errors/service-error.js";
import { createAsyncQueue } from "../events/async-queue.js";
import { newEvent, toWatchEvent } from "../mapping/event-codec.js";
import type { EventHub } from "../events/event-hub.js";
import type { StoredEvent } from "../domain/thread-event.js";
import type { EventStorage } from "../storage/event-storage.js";
import type { ServiceImpl } from "./service-impl.js";
import { requireField } from "./validate-request.js";

type WatchMethods = Pick<ServiceImpl<typeof CheckpointService>, "watch" | "subscribe" | "resume" | "claimResume">;
type WatchResponse = MessageInitShape<typeof WatchResponseSchema>;

/** What a follower yields, as a WatchEvent; heartbeats carry the last id seen. */
function eventOf(threadId: string, item: StoredEvent | "heartbeat", lastId: bigint): MessageInitShape<typeof WatchEventSchema> {
  return item === "heartbeat"
    ? { threadId, eventId: lastId, ts: new Date().toISOString(), kind: { case: "heartbeat", value: {} } }
    : toWatchEvent(item);
}

/** Watch, Subscribe, Resume and ClaimResume over the event log. */
export function createWatchService(storage: EventStorage, hub: EventHub): WatchMethods {
  async function resume(req: ResumeRequest) {
    const threadId = requireField(req.threadId, "thread_id");
    if (Object.keys(req.values).length === 0) throw invalidArgument("values must name at least one interrupt id");
    const resumeId = randomUUID();
    const requested = { resumeId, checkpointNs: req.checkpointNs, values: req.values };
    const stored = await storage.createResume({
      threadId,
      resumeId,
      checkpointNs: req.checkpointNs,
      idempotencyKey: req.idempotencyKey,
      body: toBinary(ResumeRequestedSchema, create(ResumeRequestedSchema, requested)),
      event: newEvent(req.checkpointNs, { case: "resumeRequested", value: requested }),
    });
    if (stored.created) hub.publish(threadId);
    return { resumeId: stored.resumeId, eventId: stored.eventId };
  }

  async function claimResume(req: ClaimResumeRequest) {
    const threadId = requireField(req.threadId, "thread_id");
    const workerId = requireField(req.workerId, "worker_id");
    const claimed = await storage.claimResume({
      threadId,
      resumeId: req.resumeId || undefined,
      workerId,
      event: (r) => newEvent(r.checkpointNs, { case: "resumeClaimed", value: { resumeId: r.resumeId, workerId } }),
    });
    if (claimed === undefined) return { claimed: false, resumeId: req.resumeId };
    if (claimed.created) hub.publish(threadId);
    const { values } = fromBinary(ResumeRequestedSchema, claimed.body);
    return { claimed: true, resumeId: claimed.resumeId, checkpointNs: claimed.checkpointNs, values };
  }

  /** One subscription's events, filtered to a namespace when asked. */
  async function* follow(req: SubscribeRequest, signal: AbortSignal) {
    const threadId = requireField(req.threadId, "thread_id");
    let last = req.afterEventId;
    for await (const item of hub.follow(threadId, req.afterEventId, signal)) {
      if (item !== "heartbeat") {
        last = item.eventId;
        if (req.checkpointNs !== undefined && item.checkpointNs !== req.checkpointNs && item.kind !== "thread_deleted") continue;
      }
      yield eventOf(threadId, item, last);
    }
  }

  return {
    resume,
    claimResume,

    async *subscribe(req, { signal }) {
      for await (const event of follow(req, signal)) yield { event };
    },

    async *watch(requests, context) {
      const out = createAsyncQueue<WatchResponse>(64);
      const subscriptions = new Map<string, AbortController>();
      const errorEvent = (code: Code, message: string): WatchResponse => ({ event: { kind: { case: "error", value: { code, message } } } });
      const describe = (error: unknown) =>
        error instanceof ServiceError
          ? errorEvent(error.code, error.message)
          : errorEvent(Code.Internal, "internal error (logged on the server)");

      const subscribe = (req: SubscribeRequest) => {
        subscriptions.get(req.threadId)?.abort();
        const controller = new AbortController();
        const signal = AbortSignal.any([controller.signal, context.signal]);
        subscriptions.set(req.threadId, controller);
        void (async () => {
          try {
            for await (const event of follow(req, signal)) await out.push({ event });
          } catch (error) {
            if (!signal.aborted) await out.push(describe(error));
          }
        })();
      };

      // Requests are handled in order; a bad one gets an error event and the stream lives on.
      void (async () => {
        try {
          for await (const req of requests) {
            try {
              switch (req.kind.case) {
                case "subscribe":
                  requireField(req.kind.value.threadId, "subscribe.thread_id");
                  subscribe(req.kind.value);
                  break;
                case "unsubscribe":
                  subscriptions.get(req.kind.value.threadId)?.abort();
                  subscriptions.delete(req.kind.value.threadId);
                  break;
                case "resume":
                  await out.push({ resumed: await resume(req.kind.value) });
                  break;
                case "claim":
                  await out.push({ claimed: await claimResume(req.kind.value) });
                  break;
                default:
                  throw invalidArgument("a WatchRequest needs one of subscribe, unsubscribe, resume or claim");
              }
            } catch (error) {
              await out.push(describe(error));
            }
          }
        } catch (error) {
          // The request stream itself broke (an undecodable message): end the call with it.
          out.fail(error);
        }
      })();

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
    },
  };
}
