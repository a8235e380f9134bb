import type { Attributes } from "@opentelemetry/api";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import type { Resource } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";

/** Records one finished call: `rpc.server.call.duration` (seconds) with the RPC semantic conventions' attributes. */
export interface OtelCallMetrics {
  record(seconds: number, attributes: Attributes): void;
  shutdown(): Promise<void>;
}

// The boundaries OpenTelemetry's RPC semantic conventions advise for rpc.server.call.duration.
const boundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * The OTel side of the call metrics, beside the Prometheus `/metrics` ones: the
 * `rpc.server.call.duration` histogram, exported over OTLP/HTTP (protobuf) to
 * OTEL_EXPORTER_OTLP_METRICS_ENDPOINT or `${OTEL_EXPORTER_OTLP_ENDPOINT}/v1/metrics`
 * every OTEL_METRIC_EXPORT_INTERVAL ms (default 60 000). Only with tracing on,
 * as the rest of the OpenTelemetry SDK; OTEL_METRICS_EXPORTER=none turns it off.
 */
export function createOtelCallMetrics(env: NodeJS.ProcessEnv, resource: Resource): OtelCallMetrics | undefined {
  if (env.OTEL_METRICS_EXPORTER?.toLowerCase() === "none") return undefined;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/$/, "");
  const url = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? (base === undefined ? undefined : `${base}/v1/metrics`);
  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
  const exportIntervalMillis = Number.isFinite(interval) && interval > 0 ? interval : 60_000;
  const provider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(url === undefined ? {} : { url }),
        exportIntervalMillis,
        exportTimeoutMillis: Math.min(30_000, exportIntervalMillis),
      }),
    ],
  });
  const histogram = provider.getMeter("checkpointd").createHistogram("rpc.server.call.duration", {
    description: "Duration of inbound RPCs, from the call's start to its end (a stream's whole life).",
    unit: "s",
    advice: { explicitBucketBoundaries: boundaries },
  });
  return {
    record: (seconds, attributes) => histogram.record(seconds, attributes),
    shutdown: () => provider.shutdown(),
  };
}
