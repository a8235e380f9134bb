import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import type { CheckpointConfig } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
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
  leaseAcquired: "lease_acquired",
  leaseReleased: "lease_released",
  leaseExpired: "lease_expired",
  checkpointsPruned: "checkpoints_pruned",
};

/**
 * The configs an event carries. Each names the event's own thread and
 * namespace (the service appends an event to the thread its configs name), so
 * the stored body leaves both out and reading fills them in from the columns.
 */
function configsOf(event: WatchEvent): CheckpointConfig[] {
  const { kind } = event;
  switch (kind.case) {
    case "checkpointSaved":
      return [kind.value.config, kind.value.parentConfig].filter((c): c is CheckpointConfig => c !== undefined);
    case "writesSaved":
    case "interrupted":
      return kind.value.config === undefined ? [] : [kind.value.config];
    default:
      return [];
  }
}

/** A stored event's body is its WatchEvent without thread, id and time (those are columns), nor its configs' thread and namespace. */
export function newEvent(checkpointNs: string, kind: Kind): NewEvent {
  const eventKind = kind.case === undefined ? undefined : caseToKind[kind.case];
  if (eventKind === undefined) throw new Error(`${String(kind.case)} events are not stored`);
  const event = create(WatchEventSchema, { kind });
  for (const config of configsOf(event)) {
    config.threadId = "";
    if (config.checkpointNs === checkpointNs) config.checkpointNs = "";
  }
  return { checkpointNs, kind: eventKind, body: toBinary(WatchEventSchema, event) };
}

/** Reads bodies with or without their configs' thread and namespace alike. */
export function toWatchEvent(stored: StoredEvent): WatchEvent {
  const event = fromBinary(WatchEventSchema, stored.body);
  for (const config of configsOf(event)) {
    if (config.threadId === "") config.threadId = stored.threadId;
    if (config.checkpointNs === "") config.checkpointNs = stored.checkpointNs;
  }
  event.threadId = stored.threadId;
  event.eventId = stored.eventId;
  event.ts = stored.createdAt.toISOString();
  return event;
}
