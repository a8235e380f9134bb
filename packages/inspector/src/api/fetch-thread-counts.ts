import type { Thread } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { InspectorApi } from "./create-inspector-api.js";

export interface FetchThreadCountsOptions {
  /** GetThread calls in flight at once (default 4): a page of 25 rows does not take the server's pool. */
  concurrency?: number;
  /** Stops the calls (a new search, or the page was left). */
  signal: AbortSignal;
  /** Told of each thread's facts as they arrive, or of the error's message for one that failed. */
  onThread(threadId: string, thread: Thread | string): void;
}

/** GetThread for each of `threadIds` (the threads list's counts), a few at a time; stops when `signal` aborts. */
export async function fetchThreadCounts(api: InspectorApi, threadIds: readonly string[], options: FetchThreadCountsOptions): Promise<void> {
  const queue = [...threadIds];
  const worker = async () => {
    const { signal } = options;
    for (let id = queue.shift(); id !== undefined && !signal.aborted; id = queue.shift()) {
      try {
        const { thread } = await api.getThread({ threadId: id }, { signal });
        if (thread !== undefined) options.onThread(id, thread);
      } catch (error) {
        if (!signal.aborted) options.onThread(id, error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, worker));
}
