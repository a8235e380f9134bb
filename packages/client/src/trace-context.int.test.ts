import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import {
  createDatabase,
  runCheckpointd,
  startOtlpReceiver,
  startRedis,
  type RedisInstance,
  waitUntil,
  type OtlpReceiver,
  type ReceivedSpan,
  type RunningCheckpointd,
} from "@checkpointd/test-support";
import { createCheckpointdClient } from "./create-checkpointd-client.js";

const checkpoint = (threadId: string) => ({
  config: { threadId, checkpointNs: "" },
  checkpoint: {
    v: 4,
    id: "1f0c0000-0000-6000-8000-000000000001",
    ts: new Date(Date.UTC(2025, 0, 1)).toISOString(),
    channelValues: { messages: { type: "json", data: new TextEncoder().encode('["hi"]') } },
    channelVersions: { messages: { kind: { case: "intValue" as const, value: 1n } } },
  },
  metadata: { source: "input", step: -1, parents: {} },
  newVersions: { messages: { kind: { case: "intValue" as const, value: 1n } } },
});

describe("a trace from a TypeScript worker into checkpointd (PostgreSQL, Redis L1)", () => {
  let receiver: OtlpReceiver;
  let server: RunningCheckpointd;
  let provider: TracerProvider;
  let redis: RedisInstance;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const admin = process.env.CHECKPOINTD_TEST_DATABASE_URL;
    if (admin === undefined) throw new Error("CHECKPOINTD_TEST_DATABASE_URL is not set: run the tests through jest's global setup");
    redis = await startRedis();
    server = await runCheckpointd({
      databaseUrl: await createDatabase(admin),
      redisUrl: redis.url,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: "50",
        OTEL_METRIC_EXPORT_INTERVAL: "200",
        OTEL_SERVICE_NAME: "checkpointd",
      },
    });
    // The worker's own OpenTelemetry SDK, exporting to the same receiver.
    provider = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": "ts-worker" }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }) })],
    });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    await provider?.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
    await server?.stop();
    await redis?.stop();
    await receiver?.close();
  });

  it("puts the client's span, checkpointd's server span and its PostgreSQL statement in one trace, parent to child", async () => {
    const client = createCheckpointdClient({ address: server.address });
    const tracer = trace.getTracer("worker");
    const span = tracer.startSpan("worker put", { kind: SpanKind.CLIENT });
    await context.with(trace.setSpan(context.active(), span), () => client.put(checkpoint("traced-ts")));
    span.end();
    await provider.forceFlush();
    const { traceId, spanId } = span.spanContext();

    let serverSpan: ReceivedSpan | undefined;
    await waitUntil("checkpointd's spans at the receiver", async () => {
      const inTrace = receiver.spans().filter((s) => s.traceId === traceId);
      expect(inTrace.find((s) => s.spanId === spanId)?.serviceName).toBe("ts-worker");
      serverSpan = inTrace.find((s) => s.serviceName === "checkpointd" && s.kind === 2);
      expect(serverSpan).toBeDefined();
      expect(inTrace.some((s) => s.parentSpanId === serverSpan!.spanId && s.attributes["db.system"] === "postgresql")).toBe(true);
    });
    expect(serverSpan!.parentSpanId).toBe(spanId);
    expect(serverSpan!.name).toMatch(/^checkpointd\.v1\.CheckpointService\/(Put|Batch)$/);
    expect(serverSpan!.attributes).toMatchObject({
      "rpc.system": "grpc",
      "rpc.service": "checkpointd.v1.CheckpointService",
      "rpc.grpc.status_code": 0,
    });
    // A GetTuple: the Redis cache's read is a child span of checkpointd's server span.
    const reading = tracer.startSpan("worker get", { kind: SpanKind.CLIENT });
    await context.with(trace.setSpan(context.active(), reading), () => client.getTuple({ config: { threadId: "traced-ts" } }));
    reading.end();
    await waitUntil("the Redis span", async () => {
      const inTrace = receiver.spans().filter((s) => s.traceId === reading.spanContext().traceId);
      const getTuple = inTrace.find((s) => s.kind === 2 && s.parentSpanId === reading.spanContext().spanId);
      expect(getTuple).toBeDefined();
      expect(inTrace.find((s) => s.parentSpanId === getTuple!.spanId && s.name === "redis read")?.attributes["db.system"]).toBe("redis");
    });

    // Three Puts of one turn go as one Batch and are committed as one group: a group-commit span,
    // linked to the call's server span, holds the statement.
    const grouped = tracer.startSpan("worker puts", { kind: SpanKind.CLIENT });
    await context.with(trace.setSpan(context.active(), grouped), () =>
      Promise.all(["g1", "g2", "g3"].map((thread) => client.put(checkpoint(`traced-${thread}`)))),
    );
    grouped.end();
    await waitUntil("the group-commit span", async () => {
      const inTrace = receiver.spans().filter((s) => s.traceId === grouped.spanContext().traceId);
      const call = inTrace.find((s) => s.kind === 2 && s.parentSpanId === grouped.spanContext().spanId);
      expect(call).toBeDefined();
      const group = receiver.spans().find((s) => s.name === "checkpointd.group_commit" && s.links.some((l) => l.spanId === call!.spanId));
      expect(group?.attributes["checkpointd.group.size"]).toBe(3);
      expect(call!.links.map((l) => l.spanId)).toContain(group!.spanId);
      expect(receiver.spans().some((s) => s.parentSpanId === group!.spanId && s.attributes["db.system"] === "postgresql")).toBe(true);
    });

    // A failed call under the same span: its log line names the trace and checkpointd's span.
    const failing = tracer.startSpan("worker get", { kind: SpanKind.CLIENT });
    const again = createCheckpointdClient({ address: server.address, batch: false });
    await expect(
      context.with(trace.setSpan(context.active(), failing), () => again.getTuple({ config: { threadId: "" } })),
    ).rejects.toThrow();
    failing.end();
    again.close();
    client.close();
    const logged = () =>
      server
        .output()
        .stdout.split("\n")
        .filter((line) => line.includes('"call failed"'))
        .map((line) => JSON.parse(line) as { traceId?: string; spanId?: string; code?: string });
    await waitUntil("the failed call's log line", async () => expect(logged()).toHaveLength(1));
    expect(logged()[0]).toMatchObject({ traceId: failing.spanContext().traceId, code: "InvalidArgument" });
    await waitUntil("the failed call's server span", async () =>
      expect(receiver.spans().some((s) => s.spanId === logged()[0]!.spanId && s.parentSpanId === failing.spanContext().spanId)).toBe(true),
    );
    const statement = receiver.spans().find((s) => s.parentSpanId === serverSpan!.spanId && s.attributes["db.system"] === "postgresql")!;
    expect(statement.kind).toBe(3);
    expect(statement.traceId).toBe(traceId);

    // The same calls in OpenTelemetry's rpc.server.call.duration histogram (cumulative: the latest export counts them all).
    const points = (method: string, code: number) =>
      receiver
        .histogramPoints()
        .filter(
          (p) =>
            p.name === "rpc.server.call.duration" && p.attributes["rpc.method"] === method && p.attributes["rpc.grpc.status_code"] === code,
        );
    await waitUntil("rpc.server.call.duration at the receiver", async () => {
      expect(points("GetTuple", 3).at(-1)?.count).toBe(1);
      expect(points("GetTuple", 0).at(-1)?.count).toBeGreaterThanOrEqual(1);
    });
    const failed = points("GetTuple", 3).at(-1)!;
    expect(failed).toMatchObject({ unit: "s", attributes: { "rpc.system": "grpc", "rpc.service": "checkpointd.v1.CheckpointService" } });
    expect(failed.sum).toBeGreaterThan(0);
    expect(failed.sum).toBeLessThan(10);
  });
});
