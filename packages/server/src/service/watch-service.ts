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
import type { CallIdentity } from "../domain/call-identity.js";
import { isThreadWideEvent, type StoredEvent } from "../domain/thread-event.js";
import type { ServiceImpl } from "./service-impl.js";
import type { TenantScope } from "./tenant-scopes.js";
import { requireField } from "./validate-request.js";
import { createWatchSession } from "./watch-session.js";
import { fencingTokenOf } from "./fencing-token.js";

type WatchMethods = Pick<ServiceImpl<typeof CheckpointService>, "watch" | "subscribe" | "resume" | "claimResume">;

/** What a follower yields, as a WatchEvent; heartbeats carry the last id seen. */
function eventOf(threadId: string, item: StoredEvent | "heartbeat", lastId: bigint): MessageInitShape<typeof WatchEventSchema> {
  return item === "heartbeat"
    ? { threadId, eventId: lastId, ts: new Date().toISOString(), kind: { case: "heartbeat", value: {} } }
    : toWatchEvent(item);
}

/** Watch, Subscribe, Resume and ClaimResume over the event log, each in its call's tenant scope. */
export function createWatchService(scopeOf: (identity: CallIdentity) => TenantScope): WatchMethods {
  async function resume({ storage, hub }: TenantScope, req: ResumeRequest) {
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

  async function claimResume({ storage, hub }: TenantScope, req: ClaimResumeRequest, headerToken: string | undefined) {
    const threadId = requireField(req.threadId, "thread_id");
    const workerId = requireField(req.workerId, "worker_id");
    const claimed = await storage.claimResume({
      threadId,
      resumeId: req.resumeId || undefined,
      workerId,
      fencingToken: fencingTokenOf(req.fencingToken, headerToken),
      event: (r) => newEvent(r.checkpointNs, { case: "resumeClaimed", value: { resumeId: r.resumeId, workerId } }),
    });
    if (claimed === undefined) return { claimed: false, resumeId: req.resumeId };
    if (claimed.created) hub.publish(threadId);
    const { values } = fromBinary(ResumeRequestedSchema, claimed.body);
    return { claimed: true, resumeId: claimed.resumeId, checkpointNs: claimed.checkpointNs, values };
  }

  /** One subscription's events, filtered to a namespace when asked. */
  async function* follow({ hub }: TenantScope, req: SubscribeRequest, signal: AbortSignal) {
    const threadId = requireField(req.threadId, "thread_id");
    let last = req.afterEventId;
    for await (const item of hub.follow(threadId, req.afterEventId, signal)) {
      if (item !== "heartbeat") {
        last = item.eventId;
        if (req.checkpointNs !== undefined && item.checkpointNs !== req.checkpointNs && !isThreadWideEvent(item.kind)) continue;
      }
      yield eventOf(threadId, item, last);
    }
  }

  return {
    resume: (req, { identity }) => resume(scopeOf(identity), req),
    claimResume: (req, { identity, fencingToken }) => claimResume(scopeOf(identity), req, fencingToken),

    async *subscribe(req, { signal, identity }) {
      for await (const event of follow(scopeOf(identity), req, signal)) yield { event };
    },

    watch(requests, context) {
      const scope = scopeOf(context.identity);
      return createWatchSession(requests, context, {
        follow: (req, signal) => follow(scope, req, signal),
        resume: (req) => resume(scope, req),
        claimResume: (req) => claimResume(scope, req, context.fencingToken),
      });
    },
  };
}
