import type { CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { isAbort, useApp } from "../app-context.js";

export const timelinePageSize = 50;

export interface Timeline {
  tuples: CheckpointTuple[];
  loading: boolean;
  /** No older checkpoint is left to load. */
  done: boolean;
  error: string | undefined;
  /** Loads the next (older) page; a no-op while one is loading or at the end. */
  loadMore(): void;
  /** Loads what is newer than the newest row (after a live checkpoint_saved). */
  refreshHead(): void;
}

const idOf = (t: CheckpointTuple) => t.config?.checkpointId ?? "";
const keyOf = (t: CheckpointTuple) => `${t.config?.checkpointNs ?? ""}\u0000${idOf(t)}`;

/** A thread's history, newest first, one List page at a time (`before` the oldest row loaded). */
export function useTimeline(thread: string, ns: string | undefined): Timeline {
  const { api, handleError } = useApp();
  const [tuples, setTuples] = useState<CheckpointTuple[]>([]);
  const [loading, setLoading] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const state = useRef({ tuples: [] as CheckpointTuple[], busy: false, done: false, generation: 0 });
  const config = { threadId: thread, ...(ns === undefined ? {} : { checkpointNs: ns }) };

  const read = async (before: string | undefined, limit: number) => {
    const out: CheckpointTuple[] = [];
    const request = { config, limit, ...(before === undefined ? {} : { before: { checkpointId: before } }) };
    for await (const { tuple } of api.list(request)) if (tuple !== undefined) out.push(tuple);
    return out;
  };

  const loadMore = useCallback(() => {
    const s = state.current;
    if (s.busy || s.done) return;
    s.busy = true;
    setLoading(true);
    const generation = s.generation;
    const oldest = s.tuples.at(-1);
    read(oldest === undefined ? undefined : idOf(oldest), timelinePageSize)
      .then((page) => {
        if (generation !== s.generation) return;
        const known = new Set(s.tuples.map(keyOf));
        s.tuples = [...s.tuples, ...page.filter((t) => !known.has(keyOf(t)))];
        s.done = page.length < timelinePageSize;
        setTuples(s.tuples);
        setDone(s.done);
      })
      .catch((e: unknown) => {
        if (!isAbort(e)) setError(handleError(e));
      })
      .finally(() => {
        s.busy = false;
        setLoading(false);
      });
  }, [thread, ns]);

  const refreshHead = useCallback(() => {
    const s = state.current;
    const generation = s.generation;
    read(undefined, timelinePageSize)
      .then((page) => {
        if (generation !== s.generation) return;
        const known = new Set(s.tuples.map(keyOf));
        const newer = page.filter((t) => !known.has(keyOf(t)));
        if (newer.length === 0) return;
        s.tuples = [...newer, ...s.tuples].sort((a, b) => (idOf(a) < idOf(b) ? 1 : idOf(a) > idOf(b) ? -1 : 0));
        setTuples(s.tuples);
      })
      .catch((e: unknown) => {
        if (!isAbort(e)) setError(handleError(e));
      });
  }, [thread, ns]);

  useEffect(() => {
    state.current = { tuples: [], busy: false, done: false, generation: state.current.generation + 1 };
    setTuples([]);
    setDone(false);
    setError(undefined);
    loadMore();
  }, [thread, ns]);

  return { tuples, loading, done, error, loadMore, refreshHead };
}
