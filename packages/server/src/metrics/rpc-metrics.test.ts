import { describe, expect, it } from "@jest/globals";
import { Registry } from "prom-client";
import { createRpcMetrics } from "./rpc-metrics.js";
import { statementKindOf } from "./storage-metrics.js";

describe("the RPC metrics", () => {
  it("expose go-grpc-prometheus's series from plain counters: codes, messages and cumulative buckets", async () => {
    const registry = new Registry();
    const rpc = createRpcMetrics(registry);
    const getTuple = rpc.method("grpc", "s.v1.S", "GetTuple", "unary");
    expect(rpc.method("grpc", "s.v1.S", "GetTuple", "unary")).toBe(getTuple);
    for (const [code, seconds] of [
      [0, 0.001],
      [0, 0.2],
      [3, 0.004],
      [14, 30],
    ] as const) {
      getTuple.started();
      getTuple.received();
      if (code === 0) getTuple.sent();
      getTuple.handled(code, seconds);
    }
    rpc.method("connect", "s.v1.S", "List", "server_stream").started();
    const text = await registry.metrics();
    const labels = 'grpc_type="unary",grpc_service="s.v1.S",grpc_method="GetTuple",transport="grpc"';
    const line = (series: string) => new RegExp(`^${series.replace(/[{}+.]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1];
    expect(line(`grpc_server_started_total{${labels}}`)).toBe("4");
    expect(line(`grpc_server_msg_sent_total{${labels}}`)).toBe("2");
    expect(line(`grpc_server_handled_total{${labels},grpc_code="OK"}`)).toBe("2");
    expect(line(`grpc_server_handled_total{${labels},grpc_code="InvalidArgument"}`)).toBe("1");
    expect(line(`grpc_server_handled_total{${labels},grpc_code="Unavailable"}`)).toBe("1");
    expect(text).not.toMatch(/grpc_code="Internal"/);
    expect(line(`grpc_server_handling_seconds_bucket{${labels},le="0.005"}`)).toBe("2");
    expect(line(`grpc_server_handling_seconds_bucket{${labels},le="0.25"}`)).toBe("3");
    expect(line(`grpc_server_handling_seconds_bucket{${labels},le="10"}`)).toBe("3");
    expect(line(`grpc_server_handling_seconds_bucket{${labels},le="+Inf"}`)).toBe("4");
    expect(line(`grpc_server_handling_seconds_count{${labels}}`)).toBe("4");
    expect(Number(line(`grpc_server_handling_seconds_sum{${labels}}`))).toBeCloseTo(30.205);
    expect(line('grpc_server_started_total{grpc_type="server_stream",grpc_service="s.v1.S",grpc_method="List",transport="connect"}')).toBe(
      "1",
    );
  });

  it("name a statement by its first keyword", () => {
    expect(
      [
        "SELECT 1",
        "  insert into x",
        "(select 1) union (select 2)",
        "WITH a AS (select 1) select",
        "begin",
        "delete from t",
        "Update t",
      ].map(statementKindOf),
    ).toEqual(["select", "insert", "select", "with", "other", "delete", "update"]);
  });
});
