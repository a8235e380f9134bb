import type { CacheCounters } from "../metrics/cache-counters.js";
import type { CheckpointKey, CheckpointTuple } from "../domain/checkpoint.js";

export type CacheStats = CacheCounters;

/**
 * The thread's generation when a read missed: the fill that follows is applied
 * only if nothing changed the thread since (every committed write bumps it).
 * `undefined` means "do not fill" (the cache could not be asked).
 */
export type CacheToken = string | undefined;

export interface CacheRead {
  tuple: CheckpointTuple | undefined;
  token: CacheToken;
}

/**
 * The L1 cache port, cache-aside: only reads fill it, with tuples read from
 * storage; a committed write stores no tuple, it drops what it changed
 * (afterPut, afterWrites, invalidateThread). Entries hold whole tuples keyed
 * by (tenant, thread, ns, id), plus a per-namespace "latest" entry that only moves
 * forward (fills compare ids). Implementations never throw: a failing cache
 * answers misses and skips fills and invalidations, and must then not serve
 * anything that could have gone stale while it failed.
 */
export interface CheckpointCache {
  /** The cached tuple (by id, or the latest when checkpointId is undefined) and a token for filling on a miss. */
  read(tenant: string, threadId: string, checkpointNs: string, checkpointId: string | undefined): Promise<CacheRead>;
  /** Stores a tuple of the tenant read from storage, unless the thread changed since the token was taken. */
  fill(tenant: string, token: CacheToken, tuple: CheckpointTuple, asLatest: boolean): Promise<void>;
  /**
   * After a Put committed: drops the checkpoint's entry and an older "latest";
   * a "latest" newer than this checkpoint stays (a late write never moves it back).
   */
  afterPut(tenant: string, key: CheckpointKey): Promise<void>;
  /** After PutWrites committed: the checkpoint's entry (and latest, if it is that one) is dropped. */
  afterWrites(tenant: string, key: CheckpointKey): Promise<void>;
  /** After a change to many checkpoints of a thread (delete, copy into, prune, delete for runs). */
  invalidateThread(tenant: string, threadId: string): Promise<void>;
  stats(): CacheStats;
  close(): Promise<void>;
}

export function emptyStats(): CacheStats {
  return { hits: 0, misses: 0, fills: 0, staleFillsRefused: 0, invalidations: 0, casRejections: 0, outages: 0, errors: 0, state: "ok" };
}
