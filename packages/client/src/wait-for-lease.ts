import type { AcquireLeaseResponse } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CheckpointdClient } from "./create-checkpointd-client.js";

/** The metadata a write's fencing token may travel in instead of the request's field. */
export const fencingTokenHeader = "x-checkpointd-fencing-token";

export interface WaitForLeaseOptions {
  threadId: string;
  holder: string;
  ttlMs: number;
  /** Gives up (rejects with the signal's reason) when aborted. */
  signal?: AbortSignal;
}

/** Who holds a thread, as a refused AcquireLease or a fenced write says it. */
export interface HeldLease {
  holder: string;
  expiresAt: Date | undefined;
  /** The thread's last event id when the lease was found held: its end comes after. */
  lastEventId: bigint;
}

/** The server's message when `error` is a lease's refusal (FAILED_PRECONDITION); undefined for any other error. */
export function leaseRefusalMessage(error: unknown): string | undefined {
  return error instanceof ConnectError && error.code === Code.FailedPrecondition ? error.rawMessage : undefined;
}

/** The current holder named by a FAILED_PRECONDITION from AcquireLease; undefined for any other error. */
export function leaseHolderOf(error: unknown): HeldLease | undefined {
  if (!(error instanceof ConnectError) || error.code !== Code.FailedPrecondition) return undefined;
  const holder = error.metadata.get("x-checkpointd-lease-holder");
  if (holder === null) return undefined;
  const expires = error.metadata.get("x-checkpointd-lease-expires-at");
  const last = error.metadata.get("x-checkpointd-last-event-id");
  return { holder, expiresAt: expires === null ? undefined : new Date(expires), lastEventId: BigInt(last ?? "0") };
}

const ttlOf = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: Math.round(ms % 1000) * 1e6 });

/**
 * Takes the thread's lease as soon as it frees, for a standby worker. Tries
 * AcquireLease; while another holder has it, watches the thread (from the
 * event id the refusal named) for `lease_released` / `lease_expired` /
 * `thread_deleted`, or until the lease's expiry by its own clock (a holder that
 * died records no event before someone notices), then tries again. No polling:
 * between tries it sleeps on the Watch stream.
 */
export async function waitForLease(client: CheckpointdClient, options: WaitForLeaseOptions): Promise<AcquireLeaseResponse> {
  const { threadId, holder, signal } = options;
  for (;;) {
    signal?.throwIfAborted();
    let held: HeldLease | undefined;
    try {
      return await client.acquireLease({ threadId, holder, ttl: ttlOf(options.ttlMs) }, signal === undefined ? undefined : { signal });
    } catch (error) {
      held = leaseHolderOf(error);
      if (held === undefined) throw error;
    }
    await untilFree(client, threadId, held, signal);
  }
}

async function untilFree(client: CheckpointdClient, threadId: string, held: HeldLease, signal: AbortSignal | undefined) {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  const ms = held.expiresAt === undefined ? 60_000 : Math.max(0, held.expiresAt.getTime() - Date.now()) + 50;
  const timer = setTimeout(() => stop.abort(), ms);
  const watch = client.watch({ threads: [{ threadId, afterEventId: held.lastEventId }], signal: stop.signal });
  try {
    for await (const event of watch) {
      const kind = event.kind.case;
      if (kind === "leaseReleased" || kind === "leaseExpired" || kind === "threadDeleted") return;
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    watch.close();
  }
}
