import type { CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { useEffect, useState } from "preact/hooks";
import { useApp } from "../app-context.js";

export type Loaded<T> = { state: "loading" } | { state: "error"; message: string } | { state: "missing" } | { state: "ok"; value: T };

/** One checkpoint through GetTuple. */
export function useTuple(thread: string, ns: string, id: string): Loaded<CheckpointTuple> {
  const { api, handleError } = useApp();
  const [loaded, setLoaded] = useState<Loaded<CheckpointTuple>>({ state: "loading" });
  useEffect(() => {
    let live = true;
    setLoaded({ state: "loading" });
    api
      .getTuple({ config: { threadId: thread, checkpointNs: ns, checkpointId: id } })
      .then((r) => live && setLoaded(r.tuple === undefined ? { state: "missing" } : { state: "ok", value: r.tuple }))
      .catch((e: unknown) => live && setLoaded({ state: "error", message: handleError(e) }));
    return () => {
      live = false;
    };
  }, [thread, ns, id]);
  return loaded;
}
