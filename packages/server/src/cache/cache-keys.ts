/** Percent-escapes the characters that would end a Redis hash tag early or make keys ambiguous. */
const escape = (s: string) => s.replace(/[%{}:]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface CacheKeys {
  /** Per thread: hash {g: generation, n: nonce}. */
  meta(threadId: string): string;
  /** One checkpoint's tuple. */
  entry(threadId: string, checkpointNs: string, checkpointId: string): string;
  /** The thread's latest tuple in a namespace. */
  latest(threadId: string, checkpointNs: string): string;
  /** The cache epoch, shared by all replicas. */
  epoch: string;
}

/**
 * Every key of a thread carries the hash tag `{thread}`, so all keys one Lua
 * script touches live in one Redis Cluster slot.
 */
export function cacheKeys(prefix: string): CacheKeys {
  // An empty tag would make Redis hash the whole key; "%" alone is never an escaped id.
  const tag = (threadId: string) => `${prefix}{${threadId === "" ? "%" : escape(threadId)}}`;
  return {
    meta: (threadId) => `${tag(threadId)}:m`,
    entry: (threadId, ns, id) => `${tag(threadId)}:e:${escape(ns)}:${escape(id)}`,
    latest: (threadId, ns) => `${tag(threadId)}:l:${escape(ns)}`,
    epoch: `${prefix}epoch`,
  };
}
