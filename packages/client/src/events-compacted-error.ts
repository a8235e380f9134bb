import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The server trimmed a thread's event log past where a watch asked to start
 * (its retention policy): the events up to `compactedThrough` are gone. Read
 * the thread's latest state (getTuple), then watch it again from
 * `afterEventId: compactedThrough`. Thrown by watch() and subscribe(); never a
 * silent gap.
 */
export class EventsCompactedError extends ConnectError {
  constructor(
    readonly threadId: string,
    readonly compactedThrough: bigint,
    message = `events up to ${compactedThrough} were compacted; read the thread's latest state and subscribe after ${compactedThrough}`,
  ) {
    // Its name stays "ConnectError": ConnectError's instanceof goes by the name, and every
    // handler of ConnectErrors must keep recognising this one.
    super(message, Code.OutOfRange);
  }

  /** By prototype (ConnectError's own check goes by name, which would take every ConnectError for one of these). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && Object.prototype.isPrototypeOf.call(EventsCompactedError.prototype, value);
  }
}

/** The EventsCompactedError an OUT_OF_RANGE status of a Subscribe stands for (its compacted-through metadata), or the error as it was. */
export function compactedErrorOf(error: unknown, threadId: string): unknown {
  const connect = ConnectError.from(error);
  if (connect.code !== Code.OutOfRange) return error;
  const through = connect.metadata.get("compacted-through");
  return through === null || !/^\d+$/.test(through) ? error : new EventsCompactedError(threadId, BigInt(through), connect.rawMessage);
}
