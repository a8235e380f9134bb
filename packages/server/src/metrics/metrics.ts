import { collectDefaultMetrics, Registry } from "prom-client";
import { observeCache, type CacheCounters } from "./cache-metrics.js";
import { createRpcMetrics, type RpcMetrics } from "./rpc-metrics.js";
import { createTenantMetrics, type TenantMetrics } from "./tenant-metrics.js";
import { createStorageMetrics, type StorageMetrics } from "./storage-metrics.js";
import { createSweeperMetrics, type SweeperMetrics } from "./sweeper-metrics.js";
import { createWatchMetrics, type WatchMetrics } from "./watch-metrics.js";

export interface MetricsOptions {
  /** prom-client's default Node metrics (event loop, heap, GC; default true). */
  nodeMetrics?: boolean;
  /** Per-tenant call metrics for at most this many tenants (--metrics-tenant-labels); undefined: none. */
  tenantLabels?: number | undefined;
}

/**
 * Every instrument of one server, in one registry: what /metrics exposes and
 * what the stats log line reads. Components take the part they record into.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly rpc: RpcMetrics;
  readonly storage: StorageMetrics;
  readonly watch: WatchMetrics;
  /** Undefined unless tenantLabels is set. */
  readonly tenants: TenantMetrics | undefined;
  readonly sweeper: SweeperMetrics;
  /** Adds checkpointd_cache_* over the cache's counters. */
  observeCache(source: () => CacheCounters): void;
  /** The checkpointd_cache_* values now, as the registry reports them (for the stats log line). */
  cacheSnapshot(): Promise<Record<string, number>>;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.nodeMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // Gauges named like counters (promtool rejects them); nodejs_active_{handles,requests,resources} carry the same counts.
    for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
      registry.removeSingleMetric(name);
    }
  }
  return {
    registry,
    rpc: createRpcMetrics(registry),
    storage: createStorageMetrics(registry),
    watch: createWatchMetrics(registry),
    tenants: options.tenantLabels === undefined ? undefined : createTenantMetrics(registry, { maxTenants: options.tenantLabels }),
    sweeper: createSweeperMetrics(registry),
    observeCache: (source) => observeCache(registry, source),
    async cacheSnapshot() {
      const snapshot: Record<string, number> = {};
      for (const metric of await registry.getMetricsAsJSON()) {
        if (!metric.name.startsWith("checkpointd_cache_")) continue;
        snapshot[metric.name.slice("checkpointd_cache_".length)] = metric.values[0]?.value ?? 0;
      }
      return snapshot;
    },
  };
}
