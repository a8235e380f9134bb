import { benchHistory } from "./bench-history.js";

/**
 * ghz request data for a miss run of `requests` requests against the cold
 * group `prefix`: request r (ghz's `.RequestNumber`: 0, 1, 2, … within one
 * ghz run) reads thread `r mod threads` at checkpoint `r div threads`, where
 * threads = requests / 100. Every (thread, checkpoint id) pair of the group
 * is read exactly once, so every read misses the L1 (and fills an entry that
 * nobody reads again). ghz renders the Go template (sprig functions `mod`,
 * `div`, `add`) per request.
 */
export function missRequestData(prefix: string, requests: number): unknown {
  const threads = benchHistory.coldThreadsFor(requests);
  return {
    config: {
      thread_id: benchHistory.coldThreadId(prefix, `{{mod .RequestNumber ${threads}}}`),
      checkpoint_id: `${benchHistory.checkpointIdPrefix}{{add 100 (div .RequestNumber ${threads})}}`,
    },
  };
}
