import type { WatchEvent } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { isAbort, useApp } from "../app-context.js";
import { decodeValue } from "../decode/decode-value.js";

export interface PendingInterrupt {
  eventId: bigint;
  checkpointNs: string;
  checkpointId: string;
  taskId: string;
  /** The interrupts of the `__interrupt__` write: LangGraph's `{id, value}` objects. */
  interrupts: { id: string | undefined; value: unknown }[];
}

export interface ResumeState {
  resumeId: string;
  /** The worker that claimed it, once one did. */
  claimedBy: string | undefined;
}

export interface ThreadEvents {
  /** The last interrupt not yet followed by a checkpoint of its namespace. */
  interrupt: PendingInterrupt | undefined;
  /** Resumes sent since that interrupt, oldest first. */
  resumes: ResumeState[];
  /** The newest checkpoint id a checkpoint_saved event told of. */
  newestCheckpointId: string | undefined;
  lastEventId: bigint;
  /** When the server recorded the newest stored event seen (RFC 3339; heartbeats do not count). */
  lastEventTs: string | undefined;
  /** Events seen on this page (replayed and live). */
  count: number;
  live: boolean;
  error: string | undefined;
  deleted: boolean;
}

const initial: ThreadEvents = {
  interrupt: undefined,
  resumes: [],
  newestCheckpointId: undefined,
  lastEventId: 0n,
  lastEventTs: undefined,
  count: 0,
  live: false,
  error: undefined,
  deleted: false,
};

function interruptsOf(event: Extract<WatchEvent["kind"], { case: "interrupted" }>["value"]): PendingInterrupt["interrupts"] {
  if (event.value === undefined) return [];
  const decoded = decodeValue(event.value.type, event.value.data);
  const list =
    decoded.kind === "decoded" && Array.isArray(decoded.value)
      ? (decoded.value as unknown[])
      : [decoded.kind === "decoded" ? decoded.value : decoded];
  return list.map((item) => {
    const record = typeof item === "object" && item !== null ? (item as Record<string, unknown>) : {};
    return { id: typeof record.id === "string" ? record.id : undefined, value: "value" in record ? record.value : item };
  });
}

/** Folds one event into the thread's state. */
export function applyEvent(state: ThreadEvents, event: WatchEvent): ThreadEvents {
  const newer = event.eventId > state.lastEventId;
  const next = {
    ...state,
    lastEventId: newer ? event.eventId : state.lastEventId,
    lastEventTs: newer && event.ts !== "" ? event.ts : state.lastEventTs,
    count: state.count + 1,
  };
  const kind = event.kind;
  switch (kind.case) {
    case "checkpointSaved": {
      const id = kind.value.config?.checkpointId;
      const newest =
        id !== undefined && (state.newestCheckpointId === undefined || id > state.newestCheckpointId) ? id : state.newestCheckpointId;
      const answered =
        state.interrupt !== undefined &&
        state.interrupt.checkpointNs === (kind.value.config?.checkpointNs ?? "") &&
        id !== undefined &&
        id > state.interrupt.checkpointId;
      return { ...next, newestCheckpointId: newest, ...(answered ? { interrupt: undefined } : {}), deleted: false };
    }
    case "interrupted":
      return {
        ...next,
        interrupt: {
          eventId: event.eventId,
          checkpointNs: kind.value.config?.checkpointNs ?? "",
          checkpointId: kind.value.config?.checkpointId ?? "",
          taskId: kind.value.taskId,
          interrupts: interruptsOf(kind.value),
        },
        resumes: [],
      };
    case "resumeRequested":
      return { ...next, resumes: [...state.resumes, { resumeId: kind.value.resumeId, claimedBy: undefined }] };
    case "resumeClaimed":
      return {
        ...next,
        resumes: state.resumes.map((r) => (r.resumeId === kind.value.resumeId ? { ...r, claimedBy: kind.value.workerId } : r)),
      };
    case "threadDeleted":
      return {
        ...initial,
        lastEventId: next.lastEventId,
        lastEventTs: next.lastEventTs,
        count: next.count,
        live: state.live,
        deleted: true,
      };
    case "heartbeat":
      return { ...state, live: true };
    default:
      return next;
  }
}

/** The id a Subscribe behind the thread's compaction point must start after (OUT_OF_RANGE), or undefined. */
function compactedThrough(error: unknown): bigint | undefined {
  const { code, metadata } = error as { code?: unknown; metadata?: { get(name: string): string | null } };
  const through = code === 11 ? metadata?.get("compacted-through") : undefined;
  return through !== undefined && through !== null && /^\d+$/.test(through) ? BigInt(through) : undefined;
}

/**
 * The thread's events through Subscribe (the browser's Watch): replayed from
 * the first, then live; opened once `enabled` (after the first page of history,
 * so that a long replay does not delay it). State updates are batched per animation frame, so a
 * long replay renders a few times, not once per event.
 */
export function useThreadEvents(thread: string, enabled: boolean): ThreadEvents {
  const { api, handleError } = useApp();
  const [state, setState] = useState(initial);
  const current = useRef(initial);
  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    current.current = initial;
    setState(initial);
    let frame: number | undefined;
    const flush = () => {
      frame = undefined;
      setState(current.current);
    };
    void (async () => {
      try {
        // Live from the moment the server answers, even on a thread with no events yet.
        const onHeader = () => {
          current.current = { ...current.current, live: true };
          frame ??= requestAnimationFrame(flush);
        };
        // The sweeper may have trimmed the log's start: then the server names the last trimmed id
        // (OUT_OF_RANGE, compacted-through) and the replay starts after it.
        for (let after = 0n; ;) {
          try {
            for await (const { event } of api.subscribe({ threadId: thread, afterEventId: after }, { signal: abort.signal, onHeader })) {
              if (event === undefined) continue;
              current.current = { ...applyEvent(current.current, event), live: true };
              frame ??= requestAnimationFrame(flush);
            }
            return;
          } catch (error) {
            const through = compactedThrough(error);
            if (through === undefined || through <= after) throw error;
            after = through;
          }
        }
      } catch (error) {
        if (!isAbort(error)) setState({ ...current.current, error: handleError(error) });
      }
    })();
    return () => {
      abort.abort();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [thread, enabled]);
  return state;
}
