import { LRUCache } from "lru-cache";
import { Code, ServiceError } from "../errors/service-error.js";

export interface RateLimiter {
  /**
   * Takes `cost` tokens from `bucket`'s, which refills at `rate` a second and
   * holds one second's worth; throws RESOURCE_EXHAUSTED with a `retry-after-ms`
   * trailer when there are not enough.
   */
  take(bucket: string, rate: number, cost: number): void;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets, one per key or tenant; the least recently used are forgotten past `maxBuckets` (a forgotten bucket is full). */
export function createRateLimiter(options: { maxBuckets?: number; now?: () => number } = {}): RateLimiter {
  const now = options.now ?? performance.now.bind(performance);
  const buckets = new LRUCache<string, Bucket>({ max: options.maxBuckets ?? 100_000 });
  return {
    take(name, rate, cost) {
      const capacity = Math.max(1, rate);
      const need = Math.min(cost, capacity);
      const t = now();
      let bucket = buckets.get(name);
      if (bucket === undefined) {
        bucket = { tokens: capacity, at: t };
        buckets.set(name, bucket);
      } else {
        bucket.tokens = Math.min(capacity, bucket.tokens + ((t - bucket.at) / 1000) * rate);
        bucket.at = t;
      }
      if (bucket.tokens >= need) {
        bucket.tokens -= need;
        return;
      }
      const retryAfterMs = Math.ceil(((need - bucket.tokens) / rate) * 1000);
      throw new ServiceError(Code.ResourceExhausted, `rate limit of ${rate} requests a second reached; retry in ${retryAfterMs} ms`, {
        metadata: { "retry-after-ms": String(retryAfterMs) },
      });
    },
  };
}

export interface StreamCap {
  /** Counts an open stream of `tenant`, or throws RESOURCE_EXHAUSTED at the cap; the returned function closes it (once). */
  open(tenant: string): () => void;
}

/** At most `max` open Watch/Subscribe streams a tenant. */
export function createStreamCap(max: number): StreamCap {
  const open = new Map<string, number>();
  return {
    open(tenant) {
      const count = open.get(tenant) ?? 0;
      if (count >= max) {
        throw new ServiceError(
          Code.ResourceExhausted,
          `this tenant has ${max} open Watch/Subscribe streams, the most allowed; close one first`,
        );
      }
      open.set(tenant, count + 1);
      let closed = false;
      return () => {
        if (closed) return;
        closed = true;
        const left = (open.get(tenant) ?? 1) - 1;
        if (left === 0) open.delete(tenant);
        else open.set(tenant, left);
      };
    },
  };
}
