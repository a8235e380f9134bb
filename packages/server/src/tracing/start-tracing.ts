import type { Tracing } from "./call-tracer.js";

export interface TracingOptions {
  /** `--otel`: on even without OTEL_EXPORTER_OTLP_ENDPOINT (the exporter's default endpoint then). */
  enabled: boolean;
  env: NodeJS.ProcessEnv;
}

/** Whether tracing is on: `--otel`, or an OTLP endpoint in the environment (and OTEL_SDK_DISABLED not "true"). */
export function tracingEnabled(options: TracingOptions): boolean {
  const { env } = options;
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === "true") return false;
  return options.enabled || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT) || Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * The OpenTelemetry SDK, loaded only when tracing is on: a server without it
 * never imports it, and its calls go through no span code at all.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing | undefined> {
  if (!tracingEnabled(options)) return undefined;
  const { createOtelTracing } = await import("./otel-tracing.js");
  return createOtelTracing(options.env);
}
