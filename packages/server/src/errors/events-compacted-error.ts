import { Code, ServiceError } from "./service-error.js";

/**
 * A watcher asked for events the sweeper already trimmed from the thread's log
 * (etcd's ErrCompacted): never a silent gap. OUT_OF_RANGE, with the id to
 * subscribe after in the message, in `compacted-through` metadata, and in
 * WatchError.compacted_through on a Watch stream.
 */
export class EventsCompactedError extends ServiceError {
  constructor(readonly compactedThrough: bigint) {
    super(
      Code.OutOfRange,
      `events up to ${compactedThrough} were compacted; read the thread's latest state and subscribe after ${compactedThrough}`,
      { metadata: { "compacted-through": String(compactedThrough) } },
    );
    this.name = "EventsCompactedError";
  }
}
