import { describe, expect, it } from "@jest/globals";
import { Registry } from "prom-client";
import { createTenantMetrics } from "./tenant-metrics.js";

describe("createTenantMetrics", () => {
  it("keeps the first N tenants' names and counts every later one (and a tenant named other) as other", async () => {
    const registry = new Registry();
    const metrics = createTenantMetrics(registry, { maxTenants: 2 });
    for (const tenant of ["a", "b", "c", "a", "other", "d", "b"]) metrics.handled(tenant, "Put", 0, 0.001);
    metrics.handled("c", "Put", 5, 0.001);
    const values = (await registry.getSingleMetric("checkpointd_tenant_handled_total")!.get()).values;
    expect(values.map((v) => [v.labels.tenant, v.labels.grpc_code, v.value])).toEqual([
      ["a", "OK", 2],
      ["b", "OK", 2],
      ["other", "OK", 3],
      ["other", "NotFound", 1],
    ]);
  });

  it("refuses a bound that is not a positive integer", () => {
    expect(() => createTenantMetrics(new Registry(), { maxTenants: 0 })).toThrow("maxTenants must be a positive integer");
  });
});
