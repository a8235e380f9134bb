import { randomUUID } from "node:crypto";
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import type {
  CheckpointService,
  ClaimResumeRequest,
  ResumeRequest,
  SubscribeRequest,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { ResumeRequestedSchema, type WatchEventSchema } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import { invalidArgument } from "../errors/service-error.js";
import { newEvent, toWatchEvent } from "../mapping/event-codec.js";
import type { EventHub } from "../events/event-hub.js";
import type { StoredEvent } from "../domain/thread-event.js";
import type { EventStorage } from "../storage/event-storage.js";
import type { ServiceImpl } from "./service-impl.js";
import { requireField } from "./validate-request.js";
import { createWatchSession } from "./watch-session.js";

type WatchMethods = Pick<ServiceImpl<typeof CheckpointService>, "watch" | "subscribe" | "resume" | "claimResume">;

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

    watch: (requests, context) => createWatchSession(requests, context, { follow, resume, claimResume }),
  };
}
