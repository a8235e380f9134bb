import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createClient, ConnectError, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import {
  openWatch,
  sampleHistory,
  spawnCheckpointd,
  startPrometheus,
  waitUntil,
  type PrometheusInstance,
  type SpawnedCheckpointd,
  promtoolCheckMetrics,
} from "@checkpointd/test-support";

const service = "checkpointd.v1.CheckpointService";

describe("a real Prometheus scraping checkpointd", () => {
  let server: SpawnedCheckpointd;
  let prometheus: PrometheusInstance;
  let grpc: Client<typeof CheckpointService>;

  beforeAll(async () => {
    server = await spawnCheckpointd(["--data-dir", "memory://", "--metrics-port", "0"]);
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${server.metricsPort}`], scrapeIntervalSeconds: 1 });
    grpc = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }));
  });
  afterAll(async () => {
    await prometheus?.stop();
    await server?.stop();
  });

  it("counts a known mix of calls per method, code and transport, and promtool accepts the exposition", async () => {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const connect = createClient(CheckpointService, createConnectTransport({ baseUrl: base, httpVersion: "1.1", useBinaryFormat: false }));
    const grpcWeb = createClient(CheckpointService, createGrpcWebTransport({ baseUrl: base, httpVersion: "1.1" }));
    const steps = sampleHistory("scraped", "");
    for (const step of steps) await grpc.put(step.put);
    for (let i = 0; i < 2; i++) await grpc.getTuple({ config: { threadId: "scraped" } });
    for (let i = 0; i < 4; i++) {
      await expect(grpc.getTuple({ config: { threadId: "" } })).rejects.toBeInstanceOf(ConnectError);
    }
    let listed = 0;
    for await (const _ of grpc.list({ config: { threadId: "scraped" } })) listed++;
    expect(listed).toBe(steps.length);
    for (let i = 0; i < 2; i++) await connect.getTuple({ config: { threadId: "scraped" } });
    await grpcWeb.getTuple({ config: { threadId: "scraped" } });
    const watch = openWatch(grpc);
    watch.send({ kind: { case: "subscribe", value: { threadId: "scraped" } } });
    for (let i = 0; i < steps.length; i++) await watch.nextEvent();
    watch.close();

    const expected = {
      [`Put OK grpc`]: 3,
      [`GetTuple OK grpc`]: 2,
      [`GetTuple InvalidArgument grpc`]: 4,
      [`List OK grpc`]: 1,
      [`Watch Canceled grpc`]: 1,
      [`GetTuple OK connect`]: 2,
      [`GetTuple OK grpc-web`]: 1,
    };
    const handled = async () => {
      const samples = await prometheus.query(
        `sum by (grpc_method, grpc_code, transport) (grpc_server_handled_total{grpc_service="${service}"})`,
      );
      return Object.fromEntries(samples.map((s) => [`${s.metric.grpc_method} ${s.metric.grpc_code} ${s.metric.transport}`, s.value]));
    };
    // The scrape after the last call (every second) brings the counts to what was sent, and they stay there.
    await waitUntil("Prometheus has scraped every call", async () => expect(await handled()).toEqual(expected), { timeoutMs: 20_000 });

    const value = async (promql: string) => (await prometheus.query(promql))[0]?.value;
    const labels = (method: string, type: string) =>
      `grpc_service="${service}",grpc_method="${method}",grpc_type="${type}",transport="grpc"`;
    expect(await value(`sum(grpc_server_started_total{grpc_method="GetTuple"})`)).toBe(9);
    expect(await value(`grpc_server_msg_received_total{${labels("Put", "unary")}}`)).toBe(3);
    expect(await value(`grpc_server_msg_sent_total{${labels("List", "server_stream")}}`)).toBe(steps.length);
    expect(await value(`grpc_server_msg_received_total{${labels("Watch", "bidi_stream")}}`)).toBe(1);
    expect(await value(`grpc_server_msg_sent_total{${labels("Watch", "bidi_stream")}}`)).toBeGreaterThanOrEqual(steps.length);
    expect(await value(`grpc_server_handling_seconds_count{${labels("GetTuple", "unary")}}`)).toBe(6);
    expect(await value(`checkpointd_watch_events_delivered_total`)).toBeGreaterThanOrEqual(steps.length);
    expect(await value(`checkpointd_streams_open{grpc_method="Watch"}`)).toBe(0);
    // The L1 cache: the first GetTuple missed and filled, the four later ones hit.
    expect(await value(`checkpointd_cache_misses_total`)).toBeGreaterThanOrEqual(1);
    expect(await value(`checkpointd_cache_hits_total`)).toBeGreaterThanOrEqual(4);
    expect(await value(`checkpointd_cache_degraded`)).toBe(0);
    // The in-process cache reports what it holds: the one filled tuple, under its id and as the latest.
    expect(await value(`checkpointd_cache_entries`)).toBe(2);
    expect(await value(`checkpointd_cache_bytes`)).toBeGreaterThan(100);
    expect(await value(`sum(checkpointd_db_statement_seconds_count)`)).toBeGreaterThan(0);
    expect(await value(`checkpointd_db_put_group_size_count`)).toBe(3);
    // Table sizes from the catalog (PGlite here): every stored table, the written ones not empty.
    expect(await value(`count(checkpointd_storage_bytes)`)).toBe(6);
    expect(await value(`checkpointd_storage_bytes{table="checkpoints"}`)).toBeGreaterThan(8192);
    expect(await value(`nodejs_eventloop_lag_seconds`)).toBeGreaterThanOrEqual(0);
    expect(await value(`up{job="checkpointd"}`)).toBe(1);

    const exposition = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    expect(await promtoolCheckMetrics(exposition)).toEqual({ code: 0, output: "" });
  });

  it("serves nothing but GET /metrics on the metrics port", async () => {
    const response = await fetch(`http://127.0.0.1:${server.metricsPort}/`);
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/GET \/metrics/);
  });
});
