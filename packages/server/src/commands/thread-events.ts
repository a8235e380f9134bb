import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import type { CheckpointdClient } from "@checkpointd/client";
import { WatchEventSchema, type WatchEvent } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import { usageError } from "./command-error.js";

/**
 * A thread's stored events, read with Subscribe from the start. The server sends the stored log,
 * then a heartbeat once it has nothing newer (after `--heartbeat-ms` idle, 5 s by default): the
 * read ends there, so nothing stored is missed, however slowly the log arrives.
 */
export async function readThreadEvents(client: CheckpointdClient, threadId: string, signal: AbortSignal): Promise<WatchEvent[]> {
  const controller = new AbortController();
  const events: WatchEvent[] = [];
  try {
    for await (const { event } of client.subscribe(
      { threadId, afterEventId: 0n },
      { signal: AbortSignal.any([controller.signal, signal]) },
    )) {
      if (event === undefined) continue;
      if (event.kind.case === "heartbeat") break;
      if (event.kind.case === "error") throw new Error(`the event log of ${threadId}: ${event.kind.value.message}`);
      events.push(event);
    }
  } finally {
    controller.abort();
  }
  return events;
}

export const eventJson = (event: WatchEvent): JsonValue => toJson(WatchEventSchema, event);

export function eventOfJson(json: JsonValue, lineNumber: number): WatchEvent {
  try {
    return fromJson(WatchEventSchema, json);
  } catch (error) {
    throw usageError(`line ${lineNumber}: not a watch event (${(error as Error).message})`);
  }
}

/**
 * Sends again, with Resume, the resumes of `events` no worker claimed: the one part of an event
 * log an RPC can recreate (saves and writes come back through Put and PutWrites).
 * Keyed `import:<resume id>`, so a repeated import records each once; resolves with how many
 * the server did not hold yet (its own log is read only when there is one to send).
 */
export async function replayPendingResumes(
  client: CheckpointdClient,
  threadId: string,
  events: readonly WatchEvent[],
  signal: AbortSignal,
): Promise<number> {
  const claimed = new Set(events.flatMap((e) => (e.kind.case === "resumeClaimed" ? [e.kind.value.resumeId] : [])));
  const pending = events.flatMap((e) => (e.kind.case === "resumeRequested" && !claimed.has(e.kind.value.resumeId) ? [e.kind.value] : []));
  if (pending.length === 0) return 0;
  const held = new Set(
    (await readThreadEvents(client, threadId, signal)).flatMap((e) => (e.kind.case === "resumeRequested" ? [e.kind.value.resumeId] : [])),
  );
  let sent = 0;
  for (const { resumeId, checkpointNs, values } of pending) {
    const response = await client.resume({ threadId, checkpointNs, values, idempotencyKey: `import:${resumeId}` });
    if (!held.has(response.resumeId)) sent += 1;
  }
  return sent;
}
