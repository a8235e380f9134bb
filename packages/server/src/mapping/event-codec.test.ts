import { describe, expect, it } from "@jest/globals";
import { create, toBinary } from "@bufbuild/protobuf";
import { WatchEventSchema } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import type { NewEvent, StoredEvent } from "../domain/thread-event.js";
import { newEvent, toWatchEvent } from "./event-codec.js";

const threadId = "6f1c2a9e-3b7d-4c1e-9a2f-0d8e5b4c3a21";
const createdAt = new Date("2026-01-01T00:00:00.000Z");
const config = (checkpointNs: string, checkpointId: string) => ({ threadId, checkpointNs, checkpointId });
const stored = (event: NewEvent): StoredEvent => ({
  threadId,
  eventId: 7n,
  checkpointNs: event.checkpointNs,
  kind: event.kind,
  body: event.body,
  createdAt,
});

const kinds = [
  { case: "checkpointSaved", value: { config: config("sub", "2"), metadata: { step: 1 }, parentConfig: config("sub", "1") } },
  { case: "writesSaved", value: { config: config("sub", "2"), taskId: "t", taskPath: "p", channels: ["a"] } },
  { case: "interrupted", value: { config: config("sub", "2"), taskId: "t", value: { type: "json", data: new Uint8Array([1]) } } },
] as const;

describe("event codec", () => {
  it.each(kinds)("stores a $case body without its configs' thread and namespace and reads it back whole", (kind) => {
    const event = newEvent("sub", kind);
    const full = toBinary(WatchEventSchema, create(WatchEventSchema, { kind }));
    expect(event.body.length).toBeLessThan(full.length - threadId.length);
    expect(new TextDecoder().decode(event.body)).not.toContain(threadId);

    const expected = create(WatchEventSchema, { kind, threadId, eventId: 7n, ts: createdAt.toISOString() });
    expect(toWatchEvent(stored(event))).toEqual(expected);
    // A body stored whole (as servers before this codec wrote them) reads the same.
    expect(toWatchEvent(stored({ ...event, body: full }))).toEqual(expected);
  });

  it("keeps a config's namespace that differs from the event's", () => {
    const kind = { case: "writesSaved", value: { config: config("other", "2"), taskId: "t", channels: [] } } as const;
    const read = toWatchEvent(stored(newEvent("", kind)));
    expect(read.kind.case === "writesSaved" && read.kind.value.config).toEqual(create(WatchEventSchema, { kind }).kind.value?.config);
  });
});
