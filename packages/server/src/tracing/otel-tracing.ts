import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { CallSpan, HeaderReader, Tracing } from "./call-tracer.js";
import { samplerFromEnv } from "./sampler-from-env.js";
import { createOtelCallMetrics } from "./otel-call-metrics.js";

const headerGetter: TextMapGetter<HeaderReader> = {
  get: (carrier, key) => carrier.get(key) ?? undefined,
  keys: () => [],
};

// Server-side gRPC codes that mark a span as an error (OpenTelemetry's gRPC conventions).
const serverErrors = new Set([2, 4, 12, 13, 14, 15]);

/** The first keyword of a statement, as the span's name: SELECT, INSERT, WITH, ... */
function statementName(sql: string): string {
  const match = /^\s*\(?\s*([A-Za-z]+)/.exec(sql);
  return match === null ? "SQL" : match[1]!.toUpperCase();
}

/** Tracing through the OpenTelemetry SDK: OTLP over HTTP (protobuf), configured by the standard OTEL_* variables. */
export function createOtelTracing(env: NodeJS.ProcessEnv): Tracing {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/$/, "");
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base === undefined ? undefined : `${base}/v1/traces`);
  const resource = resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME ?? "checkpointd" }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const provider = new TracerProvider({
    resource,
    sampler: samplerFromEnv(env),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter(url === undefined ? {} : { url }),
        ...(Number(env.OTEL_BSP_SCHEDULE_DELAY) > 0 ? { scheduledDelayMillis: Number(env.OTEL_BSP_SCHEDULE_DELAY) } : {}),
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);
  const tracer = provider.getTracer("checkpointd");
  const callMetrics = createOtelCallMetrics(env, resource);

  const spanIn = (captured: unknown) => trace.getSpan(captured as Context);

  return {
    calls: {
      start(method, callContext): CallSpan {
        const parent =
          callContext.requestHeader === undefined
            ? ROOT_CONTEXT
            : propagation.extract(ROOT_CONTEXT, callContext.requestHeader, headerGetter);
        const slash = method.indexOf("/");
        const attributes = { "rpc.system": "grpc", "rpc.service": method.slice(0, slash), "rpc.method": method.slice(slash + 1) };
        const startedAt = performance.now();
        const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes }, parent);
        const active = trace.setSpan(parent, span);
        const { traceId, spanId } = span.spanContext();
        return {
          traceId,
          spanId,
          run: (fn) => context.with(active, fn),
          end(code, message) {
            // Every call, sampled or not: the histogram counts what the spans only sample.
            callMetrics?.record((performance.now() - startedAt) / 1000, { ...attributes, "rpc.grpc.status_code": code });
            span.setAttribute("rpc.grpc.status_code", code);
            if (serverErrors.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, ...(message === undefined ? {} : { message }) });
            span.end();
          },
        };
      },
    },
    groups: {
      capture: () => context.active(),
      alone: (captured, fn) => context.with(captured as Context, fn),
      async group(captured, size, fn) {
        const links: Link[] = [];
        for (const c of captured) {
          const span = spanIn(c);
          if (span !== undefined) links.push({ context: span.spanContext() });
        }
        const group = tracer.startSpan("checkpointd.group_commit", {
          kind: SpanKind.INTERNAL,
          links,
          attributes: { "checkpointd.group.size": size },
        });
        for (const c of captured) spanIn(c)?.addLink({ context: group.spanContext() });
        try {
          return await context.with(trace.setSpan(ROOT_CONTEXT, group), fn);
        } catch (error) {
          group.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          group.end();
        }
      },
    },
    spans: {
      async run(name, attributes, fn) {
        const parent = context.active();
        if (trace.getSpan(parent) === undefined) return fn();
        const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
        try {
          return await context.with(trace.setSpan(parent, span), fn);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    },
    statement(sql, durationMs, error) {
      const parent = context.active();
      if (trace.getSpan(parent) === undefined) return;
      const end = Date.now();
      const span: Span = tracer.startSpan(
        statementName(sql),
        {
          kind: SpanKind.CLIENT,
          startTime: end - durationMs,
          attributes: { "db.system.name": "postgresql", "db.system": "postgresql", "db.query.text": sql },
        },
        parent,
      );
      if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(end);
    },
    async shutdown() {
      await Promise.all([provider.shutdown(), callMetrics?.shutdown()]);
    },
  };
}
