import { Counter, Histogram, type Registry } from "prom-client";
import { grpcCodeNames, handlingBuckets } from "./rpc-metrics.js";

/** The `tenant` label of every tenant past the first `maxTenants` this process has seen. */
export const otherTenants = "other";

export interface TenantMetricsOptions {
  /** At most this many tenants get a label value of their own (>= 1). */
  maxTenants: number;
}

export interface TenantMetrics {
  /** A call of `tenant` (its method's name, e.g. "Put") ended with this gRPC code after this many seconds. */
  handled(tenant: string, method: string, code: number, seconds: number): void;
}

/**
 * Per-tenant call counts and latency, bounded: the first `maxTenants` tenants
 * seen keep their own label value for the life of the process, every later
 * one is counted under "other", so a server with many tenants (or a stream
 * of made-up ones) cannot grow the exposition without end. Thread ids are
 * never labels. Off unless `--metrics-tenant-labels` is set.
 */
export function createTenantMetrics(registry: Registry, options: TenantMetricsOptions): TenantMetrics {
  if (!Number.isSafeInteger(options.maxTenants) || options.maxTenants < 1) throw new Error("maxTenants must be a positive integer");
  const handledTotal = new Counter({
    name: "checkpointd_tenant_handled_total",
    help: 'RPCs completed per tenant, method and code (tenants past --metrics-tenant-labels are counted as tenant="other").',
    labelNames: ["tenant", "grpc_method", "grpc_code"],
    registers: [registry],
  });
  const handlingSeconds = new Histogram({
    name: "checkpointd_tenant_handling_seconds",
    help: 'RPC latency per tenant (seconds; tenants past --metrics-tenant-labels are tenant="other").',
    labelNames: ["tenant"],
    buckets: handlingBuckets,
    registers: [registry],
  });
  const labelled = new Set<string>();
  const labelOf = (tenant: string) => {
    if (labelled.has(tenant)) return tenant;
    if (labelled.size < options.maxTenants && tenant !== otherTenants) {
      labelled.add(tenant);
      return tenant;
    }
    return otherTenants;
  };
  return {
    handled(tenant, method, code, seconds) {
      const label = labelOf(tenant);
      handledTotal.inc({ tenant: label, grpc_method: method, grpc_code: grpcCodeNames[code] ?? "Unknown" });
      handlingSeconds.observe({ tenant: label }, seconds);
    },
  };
}
