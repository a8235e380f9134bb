import type { WatchEvent } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import { decodeTypedValue, displayValue } from "./decode-typed-value.js";
import { writeJson } from "./output.js";
import { integerOption, type Verb } from "./verb.js";

/** An event for scripts: its kind and what it says, values decoded. */
function eventView(event: WatchEvent): Record<string, unknown> {
  const base = { thread_id: event.threadId, event_id: event.eventId, ts: event.ts, kind: event.kind.case ?? "unknown" };
  switch (event.kind.case) {
    case "checkpointSaved":
      return {
        ...base,
        checkpoint_ns: event.kind.value.config?.checkpointNs ?? "",
        checkpoint_id: event.kind.value.config?.checkpointId ?? "",
        metadata: event.kind.value.metadata ?? {},
      };
    case "writesSaved":
      return {
        ...base,
        checkpoint_id: event.kind.value.config?.checkpointId ?? "",
        task_id: event.kind.value.taskId,
        channels: event.kind.value.channels,
      };
    case "interrupted": {
      const v = event.kind.value.value;
      return {
        ...base,
        checkpoint_id: event.kind.value.config?.checkpointId ?? "",
        task_id: event.kind.value.taskId,
        value: v === undefined ? null : decodeTypedValue(v.type, v.data),
      };
    }
    case "resumeRequested":
      return {
        ...base,
        resume_id: event.kind.value.resumeId,
        values: Object.fromEntries(Object.entries(event.kind.value.values).map(([id, v]) => [id, decodeTypedValue(v.type, v.data)])),
      };
    case "resumeClaimed":
      return { ...base, resume_id: event.kind.value.resumeId, worker_id: event.kind.value.workerId };
    case "error":
      return { ...base, code: event.kind.value.code, message: event.kind.value.message };
    default:
      return base;
  }
}

function eventLine(view: Record<string, unknown>): string {
  const { thread_id: _t, event_id, ts, kind, ...rest } = view;
  return `${String(event_id)}  ${String(ts)}  ${String(kind)}  ${Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : displayValue(v)}`)
    .join(" ")}`;
}

/** A thread's events as they happen (Subscribe), from an event id on; Ctrl-C stops. */
export const watchCommand: Verb = {
  name: "watch",
  synopsis: "THREAD",
  summary: "follow a thread's events (saves, writes, interrupts, resumes) as they happen",
  arity: [1, 1],
  options: {
    after: { type: "string", metavar: "EVENT_ID", help: "start after this event (default 0: the whole log, then live)" },
    count: { type: "string", metavar: "N", help: "exit after N events (heartbeats not counted)" },
    timeout: { type: "string", metavar: "SECONDS", help: "exit (status 0) after this long" },
  },
  async run(context) {
    const [threadId] = context.args as [string];
    const after = integerOption(context, "after", 0)!;
    const count = integerOption(context, "count", undefined);
    const timeout = integerOption(context, "timeout", undefined);
    let seen = 0;
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, context.signal]);
    if (count === 0) return;
    const timer = timeout === undefined ? undefined : setTimeout(() => controller.abort(), timeout * 1000);
    try {
      for await (const { event } of context.client().subscribe({ threadId, afterEventId: BigInt(after) }, { signal })) {
        if (event === undefined || event.kind.case === "heartbeat") continue;
        const view = eventView(event);
        if (context.json) writeJson(context.out, view);
        else context.out.stdout(`${eventLine(view)}\n`);
        seen += 1;
        if (count !== undefined && seen >= count) {
          controller.abort();
          break;
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
    }
  },
};
