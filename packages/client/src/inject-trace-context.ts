import type { Interceptor } from "@connectrpc/connect";

type OtelApi = typeof import("@opentelemetry/api");

const setter = { set: (carrier: Headers, key: string, value: string) => carrier.set(key, value) };

/**
 * Sends the caller's trace context (W3C `traceparent`/`tracestate`, through
 * the globally registered propagator) when @opentelemetry/api is installed;
 * without an OpenTelemetry SDK registered, its propagator injects nothing.
 * The API is an optional peer: loaded once, on first use, and skipped when
 * absent.
 */
export function injectTraceContext(): Interceptor {
  let api: OtelApi | null | undefined;
  let loading: Promise<void> | undefined;
  const load = () =>
    (loading ??= import("@opentelemetry/api").then(
      (module) => {
        api = module;
      },
      () => {
        api = null;
      },
    ));
  return (next) => async (req) => {
    if (api === undefined) await load();
    if (api !== null && api !== undefined) api.propagation.inject(api.context.active(), req.header, setter);
    return next(req);
  };
}
