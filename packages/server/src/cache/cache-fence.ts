import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { Code, ServiceError } from "../errors/service-error.js";
import type { CacheFenceStore } from "../storage/cache-fence-store.js";

/**
 * Keeps a replica that cannot reach Redis from leaving stale entries for the
 * replicas that can. The fence is an epoch in PostgreSQL, which every replica
 * reaches (a replica that cannot cannot commit writes either), and it is part
 * of every cache entry's epoch.
 *
 * - A reader serves hits only under an epoch it read from the database less
 *   than `leaseMs` ago (a lease on its view, measured from when the read
 *   began); it re-reads every `refreshMs`. A replica that cannot read the
 *   fence serves no hits.
 * - A writer whose post-commit invalidation did not reach Redis moves the
 *   epoch on, then waits `leaseMs` (plus a margin for clock rates) before the
 *   call is acknowledged. By then every replica's view taken before the move
 *   has expired, so no entry written under the old epoch, stale or not, can be
 *   served after the acknowledgement.
 *
 * Cost when nothing fails: one primary-key read every refreshMs per replica,
 * nothing per call. While a replica is cut off Redis, each of its writes
 * takes about leaseMs longer and every replica's cache starts over from the
 * new epoch (reads go to PostgreSQL until it refills).
 */
export interface CacheFence {
  /** The epoch this replica may serve and fill under, or undefined while its view is older than the lease. */
  current(): string | undefined;
  /** Moves the epoch on and waits out the lease; throws UNAVAILABLE when the database cannot be told. */
  retire(): Promise<void>;
  close(): void;
}

export interface CacheFenceOptions {
  store: CacheFenceStore;
  /** Default 200 ms. */
  refreshMs?: number;
  /** Default 1000 ms; must exceed refreshMs. */
  leaseMs?: number;
  logger: Logger;
}

/** Added to the writer's wait: two clocks' rates differ a little over a lease. */
const marginMs = 50;

export function createCacheFence(options: CacheFenceOptions): CacheFence {
  const refreshMs = options.refreshMs ?? 200;
  const leaseMs = options.leaseMs ?? 1_000;
  if (!(leaseMs > refreshMs)) throw new Error("cache fence: leaseMs must exceed refreshMs");
  let epoch: string | undefined;
  let validUntil = 0;
  let failing = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const refresh = async () => {
    const began = performance.now();
    try {
      const read = await options.store.read();
      if (epoch === undefined || BigInt(read) >= BigInt(epoch)) epoch = read;
      validUntil = began + leaseMs;
      if (failing) options.logger.info("cache fence readable again: cache hits resume");
      failing = false;
    } catch (error) {
      if (!failing) {
        options.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          "cache fence unreadable: no cache hits until it is",
        );
      }
      failing = true;
    }
  };
  const loop = () => {
    if (closed) return;
    timer = setTimeout(() => void refresh().finally(loop), refreshMs);
    timer.unref();
  };
  void refresh().finally(loop);

  return {
    current: () => (performance.now() < validUntil ? epoch : undefined),
    async retire() {
      let moved: string;
      try {
        moved = await options.store.bump();
      } catch {
        throw new ServiceError(
          Code.Unavailable,
          "the write was saved, but the cache could not be told of it; retry the call (it is idempotent)",
        );
      }
      if (epoch === undefined || BigInt(moved) > BigInt(epoch)) epoch = moved;
      await sleep(leaseMs + marginMs);
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
