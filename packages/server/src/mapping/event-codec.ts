import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { WatchEventSchema, type WatchEvent } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import type { EventKind, NewEvent, StoredEvent } from "../domain/thread-event.js";

type Kind = NonNullable<MessageInitShape<typeof WatchEventSchema>["kind"]>;

const caseToKind: Record<string, EventKind> = {
  checkpointSaved: "checkpoint_saved",
  writesSaved: "writes_saved",
  interrupted: "interrupted",
  resumeRequested: "resume_requested",
  resumeClaimed: "resume_claimed",
  threadDeleted: "thread_deleted",
};

/** A stored event's body is its WatchEvent without thread, id and time (those are columns). */
export function newEvent(checkpointNs: string, kind: Kind): NewEvent {
  const eventKind = kind.case === undefined ? undefined : caseToKind[kind.case];
  if (eventKind === undefined) throw new Error(`${String(kind.case)} events are not stored`);
  return { checkpointNs, kind: eventKind, body: toBinary(WatchEventSchema, create(WatchEventSchema, { kind })) };
}

export function toWatchEvent(stored: StoredEvent): WatchEvent {
  const event = fromBinary(WatchEventSchema, stored.body);
  event.threadId = stored.threadId;
  event.eventId = stored.eventId;
  event.ts = stored.createdAt.toISOString();
  return event;
}
