import type { SpanRunner } from "../tracing/call-tracer.js";
import type { CheckpointCache } from "./checkpoint-cache.js";

/**
 * A cache whose every call is a client span (`redis <operation>`) under the
 * call's server span: for the Redis cache, where each is a round trip. The
 * spans name the operation, never a key or a value.
 */
export function traceCache(cache: CheckpointCache, spans: SpanRunner): CheckpointCache {
  const attributes = (operation: string) => ({ "db.system.name": "redis", "db.system": "redis", "db.operation.name": operation });
  return {
    read: (tenant, threadId, checkpointNs, checkpointId) =>
      spans.run("redis read", attributes("read"), () => cache.read(tenant, threadId, checkpointNs, checkpointId)),
    fill: (tenant, token, tuple, asLatest) => spans.run("redis fill", attributes("fill"), () => cache.fill(tenant, token, tuple, asLatest)),
    afterPut: (tenant, key) => spans.run("redis afterPut", attributes("afterPut"), () => cache.afterPut(tenant, key)),
    afterWrites: (tenant, key) => spans.run("redis afterWrites", attributes("afterWrites"), () => cache.afterWrites(tenant, key)),
    invalidateThread: (tenant, threadId) =>
      spans.run("redis invalidateThread", attributes("invalidateThread"), () => cache.invalidateThread(tenant, threadId)),
    stats: () => cache.stats(),
    close: () => cache.close(),
  };
}
