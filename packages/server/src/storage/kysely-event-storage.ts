import { sql, type Kysely } from "kysely";
import { appendEvents } from "./append-events.js";
import { EventsCompactedError } from "../errors/events-compacted-error.js";
import type { Database } from "./database-schema.js";
import type { EventKind, StoredResume } from "../domain/thread-event.js";
import type { ClaimInput, EventStorage, NewResume } from "./event-storage.js";

const toResume = (r: {
  thread_id: string;
  resume_id: string;
  checkpoint_ns: string;
  body: Uint8Array;
  event_id: string;
}): StoredResume => ({
  threadId: r.thread_id,
  resumeId: r.resume_id,
  checkpointNs: r.checkpoint_ns,
  body: r.body,
  eventId: BigInt(r.event_id),
});

/** One tenant's event log and resumes on Kysely, beside the checkpoints of kysely-storage.ts. */
export function createKyselyEventStorage(db: Kysely<Database>, tenant: string): EventStorage {
  return {
    async readEvents(threadId, afterEventId, limit) {
      const rows = await db
        .selectFrom("thread_events")
        .select(["thread_id", "event_id", "checkpoint_ns", "kind", "body", "created_at"])
        .where("tenant", "=", tenant)
        .where("thread_id", "=", threadId)
        .where("event_id", ">", sql<string>`${String(afterEventId)}::bigint`)
        .orderBy("event_id")
        .limit(limit)
        .execute();
      // Ids are gapless but for compaction (and a deletion, which starts the log afresh): only a read
      // that does not start at afterEventId + 1 asks whether it is behind the compaction point.
      if (rows.length === 0 || BigInt(rows[0]!.event_id) !== afterEventId + 1n) {
        const counter = await db
          .selectFrom("thread_event_counters")
          .select("compacted_through")
          .where("tenant", "=", tenant)
          .where("thread_id", "=", threadId)
          .executeTakeFirst();
        const compacted = BigInt(counter?.compacted_through ?? 0);
        if (afterEventId < compacted) throw new EventsCompactedError(compacted);
      }
      return rows.map((r) => ({
        threadId: r.thread_id,
        eventId: BigInt(r.event_id),
        checkpointNs: r.checkpoint_ns,
        kind: r.kind as EventKind,
        body: r.body,
        createdAt: new Date(r.created_at),
      }));
    },

    async createResume(resume: NewResume) {
      return db.transaction().execute(async (trx) => {
        const existing = async () =>
          resume.idempotencyKey === ""
            ? undefined
            : await trx
                .selectFrom("resumes")
                .select(["thread_id", "resume_id", "checkpoint_ns", "body", "event_id"])
                .where("tenant", "=", tenant)
                .where("thread_id", "=", resume.threadId)
                .where("idempotency_key", "=", resume.idempotencyKey)
                .executeTakeFirst();
        const before = await existing();
        if (before !== undefined) return { ...toResume(before), created: false };
        const eventId = await appendEvents(trx, tenant, resume.threadId, [resume.event]);
        await trx
          .insertInto("resumes")
          .values({
            tenant,
            thread_id: resume.threadId,
            resume_id: resume.resumeId,
            checkpoint_ns: resume.checkpointNs,
            idempotency_key: resume.idempotencyKey,
            body: resume.body,
            event_id: String(eventId),
          })
          .execute();
        return {
          threadId: resume.threadId,
          resumeId: resume.resumeId,
          checkpointNs: resume.checkpointNs,
          body: resume.body,
          eventId,
          created: true,
        };
      });
    },

    async claimResume(claim: ClaimInput) {
      return db.transaction().execute(async (trx) => {
        let target = claim.resumeId;
        if (target === undefined) {
          const oldest = await trx
            .selectFrom("resumes")
            .select("resume_id")
            .where("tenant", "=", tenant)
            .where("thread_id", "=", claim.threadId)
            .where("claimed_by", "is", null)
            .orderBy("event_id")
            .limit(1)
            .executeTakeFirst();
          if (oldest === undefined) return undefined;
          target = oldest.resume_id;
        }
        // Concurrent claimers queue on the row lock; after the winner commits, the others'
        // `claimed_by is null` no longer holds and they update nothing.
        const won = await trx
          .updateTable("resumes")
          .set({ claimed_by: claim.workerId, claimed_at: new Date() })
          .where("tenant", "=", tenant)
          .where("thread_id", "=", claim.threadId)
          .where("resume_id", "=", target)
          .where("claimed_by", "is", null)
          .returning(["thread_id", "resume_id", "checkpoint_ns", "body", "event_id"])
          .executeTakeFirst();
        if (won === undefined) {
          // Lost, or already ours: a worker retrying its own claim gets the same answer again.
          const ours = await trx
            .selectFrom("resumes")
            .select(["thread_id", "resume_id", "checkpoint_ns", "body", "event_id"])
            .where("tenant", "=", tenant)
            .where("thread_id", "=", claim.threadId)
            .where("resume_id", "=", target)
            .where("claimed_by", "=", claim.workerId)
            .executeTakeFirst();
          return ours === undefined ? undefined : { ...toResume(ours), created: false };
        }
        const resume = toResume(won);
        // Fenced: a claim by a worker without the thread's lease is refused and the update rolled back.
        await appendEvents(trx, tenant, claim.threadId, [claim.event(resume)], { fence: claim.fencingToken ?? 0n });
        return { ...resume, created: true };
      });
    },
  };
}
