/** Percent-escapes the characters that would end a Redis hash tag early or make keys ambiguous. */
const escape = (s: string) => s.replace(/[%{}:]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface CacheKeys {
  /** Per thread: hash {g: generation, n: nonce}. */
  meta(tenant: string, threadId: string): string;
  /** One checkpoint's tuple. */
  entry(tenant: string, threadId: string, checkpointNs: string, checkpointId: string): string;
  /** The thread's latest tuple in a namespace. */
  latest(tenant: string, threadId: string, checkpointNs: string): string;
  /** The cache epoch, shared by all replicas. */
  epoch: string;
}

/**
 * Every key of a thread carries the hash tag `{tenant:thread}`, both escaped
 * (so the tag names one (tenant, thread) pair and is never empty): all keys
 * one Lua script touches live in one Redis Cluster slot, and no key of one
 * tenant is a key of another.
 */
export function cacheKeys(prefix: string): CacheKeys {
  const tag = (tenant: string, threadId: string) => `${prefix}{${escape(tenant)}:${escape(threadId)}}`;
  return {
    meta: (tenant, threadId) => `${tag(tenant, threadId)}:m`,
    entry: (tenant, threadId, ns, id) => `${tag(tenant, threadId)}:e:${escape(ns)}:${escape(id)}`,
    latest: (tenant, threadId, ns) => `${tag(tenant, threadId)}:l:${escape(ns)}`,
    epoch: `${prefix}epoch`,
  };
}
