import type { Thread } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { useApp } from "../app-context.js";

export interface ThreadInfo {
  /** GetThread's answer; undefined until the first one. */
  thread: Thread | undefined;
  error: string | undefined;
  /** Calls GetThread again (after a change the page made, or a new checkpoint seen live). */
  refresh(): void;
  /** Takes a Thread the server sent back (SetRetention's answer) without asking again. */
  replace(thread: Thread): void;
}

/** GetThread is asked again at most this often: a burst of live events asks once. */
const refreshDelayMs = 250;

/**
 * One thread's facts through GetThread: counts, clock and the retention policy in force. Asked once
 * `enabled` (after the first page of history, which it would slow on a long thread: it reads all of it).
 */
export function useThreadInfo(threadId: string, enabled: boolean): ThreadInfo {
  const { api, handleError } = useApp();
  const [thread, setThread] = useState<Thread | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [asked, setAsked] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // Once enabled, it stays so: a namespace picked (the timeline starts over) asks nothing again.
  const once = useRef(false);
  once.current ||= enabled;
  const on = once.current;
  useEffect(() => () => clearTimeout(timer.current), []);
  useEffect(() => {
    if (!on) return;
    const abort = new AbortController();
    api
      .getThread({ threadId }, { signal: abort.signal })
      .then((r) => {
        setThread(r.thread);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (!abort.signal.aborted) setError(handleError(e));
      });
    return () => abort.abort();
  }, [threadId, asked, on]);
  return {
    thread,
    error,
    refresh() {
      timer.current ??= setTimeout(() => {
        timer.current = undefined;
        setAsked((n) => n + 1);
      }, refreshDelayMs);
    },
    replace(next) {
      setThread(next);
      setError(undefined);
    },
  };
}
