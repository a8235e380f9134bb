import { randomUUID } from "node:crypto";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { CallIdentity } from "../domain/call-identity.js";
import type { Lease } from "../domain/lease.js";
import { Code, invalidArgument, ServiceError } from "../errors/service-error.js";
import { newEvent } from "../mapping/event-codec.js";
import type { ServiceImpl } from "./service-impl.js";
import type { TenantScope } from "./tenant-scopes.js";
import { requireField } from "./validate-request.js";
import { createLeaseExpiry } from "./lease-expiry.js";
import { untilLeaseEnds } from "./until-lease-ends.js";

type LeaseMethods = Pick<ServiceImpl<typeof CheckpointService>, "acquireLease" | "renewLease" | "releaseLease">;

export const minLeaseTtlMs = 100;
export const maxLeaseTtlMs = 3_600_000;
export const maxLeaseWaitMs = 300_000;

function durationMs(duration: Duration | undefined, field: string, min: number, max: number): number | undefined {
  if (duration === undefined) return undefined;
  const ms = Number(duration.seconds) * 1000 + duration.nanos / 1e6;
  if (!Number.isFinite(ms) || ms < min || ms > max) throw invalidArgument(`${field} must be between ${min} ms and ${max} ms, not ${ms} ms`);
  return Math.round(ms);
}

const leaseEvent = (kind: "leaseAcquired" | "leaseExpired", lease: Lease) =>
  newEvent("", {
    case: kind,
    value: {
      leaseId: lease.leaseId,
      holder: lease.holder,
      fencingToken: lease.fencingToken,
      expiresAt: timestampFromDate(lease.expiresAt),
    },
  });

const releasedEvent = (lease: Lease) =>
  newEvent("", { case: "leaseReleased", value: { leaseId: lease.leaseId, holder: lease.holder, fencingToken: lease.fencingToken } });

/** FAILED_PRECONDITION naming who holds the thread and until when (also as metadata, for clients that wait). */
export function leaseHeld(lease: Lease, threadId: string, lastEventId: bigint): ServiceError {
  const until = lease.expiresAt.toISOString();
  return new ServiceError(Code.FailedPrecondition, `thread ${threadId} is leased by ${lease.holder} until ${until}`, {
    metadata: {
      "x-checkpointd-lease-holder": lease.holder,
      "x-checkpointd-lease-expires-at": until,
      // Where a waiting client watches the thread from: the lease's end comes after it.
      "x-checkpointd-last-event-id": String(lastEventId),
    },
  });
}

function leaseLost(leaseId: string, current: Lease | undefined): ServiceError {
  const why =
    current === undefined
      ? "the thread has no lease"
      : current.leaseId !== leaseId
        ? `the thread is now leased by ${current.holder} (token ${current.fencingToken})`
        : `it ${current.state === "held" ? "expired" : current.state} at ${current.expiresAt.toISOString()}`;
  return new ServiceError(Code.FailedPrecondition, `lease ${leaseId} is no longer live: ${why}`);
}

/**
 * AcquireLease, RenewLease and ReleaseLease (issue 22). The lease is in the
 * database, so every replica honours it and it outlives a restart; the fencing
 * check itself runs in each write's statement (storage). A replica that grants
 * or renews a lease records its expiry (lease_expired) when it passes; if that
 * replica is gone, the next AcquireLease records it.
 */
export function createLeaseService(scopeOf: (identity: CallIdentity) => TenantScope): LeaseMethods {
  const expiry = createLeaseExpiry((lease) => leaseEvent("leaseExpired", lease));

  return {
    async acquireLease(req, { identity, signal }) {
      const scope = scopeOf(identity);
      const threadId = requireField(req.threadId, "thread_id");
      const holder = requireField(req.holder, "holder");
      if (holder.length > 200) throw invalidArgument("holder must be at most 200 characters");
      const ttlMs = durationMs(req.ttl, "ttl", minLeaseTtlMs, maxLeaseTtlMs);
      if (ttlMs === undefined) throw invalidArgument("ttl is required");
      const deadline = Date.now() + (durationMs(req.wait, "wait", 0, maxLeaseWaitMs) ?? 0);
      for (;;) {
        const result = await scope.storage.acquireLease({
          threadId,
          leaseId: randomUUID(),
          holder,
          ttlMs,
          acquiredEvent: (lease) => leaseEvent("leaseAcquired", lease),
          expiredEvent: (lease) => leaseEvent("leaseExpired", lease),
        });
        if (result.acquired) {
          const { lease } = result;
          scope.hub.publish(threadId);
          expiry.schedule(scope, lease);
          return { leaseId: lease.leaseId, fencingToken: lease.fencingToken, expiresAt: timestampFromDate(lease.expiresAt) };
        }
        const left = deadline - Date.now();
        if (left <= 0) throw leaseHeld(result.current, threadId, result.lastEventId);
        // Woken by the lease's end on any replica (its event), or at its expiry by the database's clock.
        await untilLeaseEnds(scope.hub, threadId, result.lastEventId, Math.min(left, result.current.remainingMs + 5), signal);
        signal.throwIfAborted();
      }
    },

    async renewLease(req, { identity }) {
      const scope = scopeOf(identity);
      const threadId = requireField(req.threadId, "thread_id");
      const leaseId = requireField(req.leaseId, "lease_id");
      const ttlMs = durationMs(req.ttl, "ttl", minLeaseTtlMs, maxLeaseTtlMs);
      const result = await scope.storage.renewLease(threadId, leaseId, ttlMs);
      if (!result.renewed) throw leaseLost(leaseId, result.current);
      expiry.schedule(scope, result.lease);
      return { fencingToken: result.lease.fencingToken, expiresAt: timestampFromDate(result.lease.expiresAt) };
    },

    async releaseLease(req, { identity }) {
      const scope = scopeOf(identity);
      const threadId = requireField(req.threadId, "thread_id");
      const leaseId = requireField(req.leaseId, "lease_id");
      const released = await scope.storage.releaseLease(threadId, leaseId, releasedEvent);
      if (released) {
        expiry.cancel(scope, threadId);
        scope.hub.publish(threadId);
      }
      return { released };
    },
  };
}
