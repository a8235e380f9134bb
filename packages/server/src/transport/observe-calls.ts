import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { ServiceError, ShuttingDownError, type ErrorLogger } from "../errors/service-error.js";
import type { Metrics } from "../metrics/metrics.js";
import { grpcCodeNames, type MethodInstruments, type RpcTransport, type RpcType } from "../metrics/rpc-metrics.js";
import type { CallTracer, CallSpan } from "../tracing/call-tracer.js";
import type { TransportContext, TransportImpl } from "../auth/transport-context.js";

export interface CallObserverOptions {
  logger: Logger;
  /** Undefined: nothing is counted. */
  metrics?: Metrics | undefined;
  /** Undefined: no spans. */
  tracer?: CallTracer | undefined;
  /** A call slower than this is logged (one line) even when it succeeds. */
  slowCallMs: number;
}

export interface CallObserver {
  /** The implementation with every call counted, traced and (when failed or slow) logged; serve it on every port. */
  wrap<S extends DescService>(service: S, impl: TransportImpl<S>): TransportImpl<S>;
  /** For the adapters: logs an error unless its call's line already did. */
  logError: ErrorLogger;
}

type AnyHandler = (request: unknown, context: TransportContext) => Promise<unknown> | AsyncIterable<unknown>;

const rpcTypes: Record<DescMethod["methodKind"], RpcType> = {
  unary: "unary",
  server_streaming: "server_stream",
  client_streaming: "client_stream",
  bidi_streaming: "bidi_stream",
};

/** The gRPC code a client gets for an error: as clientSafeStatus and connect-es decide it. */
export function codeOf(error: unknown): number {
  if (error instanceof ServiceError) return error.code;
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof Error && typeof code === "number" && code > 0 && code < grpcCodeNames.length ? code : 13;
}

/**
 * What ended a call whose signal was aborted before its handler returned or threw: the
 * server's own reasons (shutdown, a stalled stream) carry their code; anything else is the
 * client going away (a cancel, a reset stream, a closed connection), CANCELLED, including the
 * resets connect-es names INTERNAL (an HTTP/2 RST_STREAM with INTERNAL_ERROR from the peer).
 * connect-es aborts the signal with a handler's own error only after the handler failed, so
 * that does not come here.
 */
function abortedBy(context: TransportContext): { error: unknown; code: number } | undefined {
  if (!context.signal.aborted) return undefined;
  const reason: unknown = context.signal.reason;
  const coded = reason instanceof ServiceError || typeof (reason as { code?: unknown } | undefined)?.code === "number";
  const code = coded ? codeOf(reason) : 1;
  return { error: reason, code: code === 13 ? 1 : code };
}

/** The protocol of a call: grpc-js's port has no requestHeader content-type of Connect or gRPC-Web. */
function transportOf(context: TransportContext): RpcTransport {
  const type = context.requestHeader?.get("content-type");
  if (type == null || type.startsWith("application/grpc")) return type?.startsWith("application/grpc-web") === true ? "grpc-web" : "grpc";
  return "connect";
}

/** Longer thread ids are cut in the log line: a hostile request must not make a megabyte of log. */
const maxLoggedThreadId = 256;

/** The thread a request names, for the log line (never a label). */
function threadOf(request: unknown): string | undefined {
  const r = request as { threadId?: unknown; sourceThreadId?: unknown; config?: { threadId?: unknown } } | undefined;
  const id = r?.threadId ?? r?.config?.threadId ?? r?.sourceThreadId;
  if (typeof id !== "string" || id === "") return undefined;
  return id.length > maxLoggedThreadId ? `${id.slice(0, maxLoggedThreadId)}… (${id.length} characters)` : id;
}

// Codes whose cause is the server's, logged with the error itself.
const serverFault = new Set([2, 10, 13, 14, 15]);

/** The call's context, passed on with a slot the authentication layer fills with who calls. */
function identified(transport: TransportContext): { context: TransportContext; tenant: () => string | undefined } {
  let tenant: string | undefined;
  const context: TransportContext = {
    signal: transport.signal,
    credentials: transport.credentials,
    requestHeader: transport.requestHeader,
    onIdentity: (identity) => {
      tenant = identity.tenant;
      transport.onIdentity?.(identity);
    },
  };
  return { context, tenant: () => tenant };
}

/** The one place calls are measured: every method of every port goes through wrap. */
export function createCallObserver(options: CallObserverOptions): CallObserver {
  const { logger, metrics, tracer, slowCallMs } = options;
  const logged = new WeakSet<object>();

  function finish(
    methodName: string,
    request: unknown,
    instruments: MethodInstruments | undefined,
    span: CallSpan | undefined,
    startedAt: number,
    error: unknown,
    code: number,
    tenant: string | undefined,
  ) {
    const seconds = (performance.now() - startedAt) / 1000;
    instruments?.handled(code, seconds);
    if (tenant !== undefined) metrics?.tenants?.handled(tenant, methodName.slice(methodName.lastIndexOf("/") + 1), code, seconds);
    span?.end(code, code === 0 ? undefined : grpcCodeNames[code]);
    const durationMs = Math.round(seconds * 1000);
    if (code === 0 && durationMs < slowCallMs) return;
    // No tenant: authentication refused the call (or had not finished).
    const line: Record<string, unknown> = {
      method: methodName,
      code: grpcCodeNames[code],
      durationMs,
      tenant,
      threadId: threadOf(request),
    };
    if (span !== undefined) {
      line.traceId = span.traceId;
      line.spanId = span.spanId;
    }
    if (code === 0) return logger.warn(line, "slow call");
    const expected = code === 1 || error instanceof ShuttingDownError;
    if (serverFault.has(code) && !expected) {
      line.err = error;
      logger.error(line, "call failed");
    } else if (expected) logger.info(line, "call ended");
    else logger.warn(line, "call failed");
    if (typeof error === "object" && error !== null) logged.add(error);
  }

  function wrapUnary(methodName: string, instrumentsOf: (context: TransportContext) => MethodInstruments | undefined, handler: AnyHandler) {
    return async (request: unknown, transport: TransportContext) => {
      const startedAt = performance.now();
      const instruments = instrumentsOf(transport);
      instruments?.started();
      instruments?.received();
      const { context, tenant } = identified(transport);
      const span = tracer?.start(methodName, context);
      try {
        const response = await (span === undefined ? handler(request, context) : span.run(() => handler(request, context)));
        instruments?.sent();
        finish(methodName, request, instruments, span, startedAt, undefined, 0, tenant());
        return response;
      } catch (error) {
        const aborted = abortedBy(context);
        finish(methodName, request, instruments, span, startedAt, aborted?.error ?? error, aborted?.code ?? codeOf(error), tenant());
        throw error;
      }
    };
  }

  function wrapStream(
    methodName: string,
    instrumentsOf: (context: TransportContext) => MethodInstruments | undefined,
    handler: AnyHandler,
    clientStreams: boolean,
  ) {
    const open = metrics?.watch.streamsOpen(methodName.slice(methodName.lastIndexOf("/") + 1));
    return async function* (input: unknown, transport: TransportContext) {
      const startedAt = performance.now();
      const instruments = instrumentsOf(transport);
      const { context, tenant } = identified(transport);
      instruments?.started();
      open?.inc();
      const span = tracer?.start(methodName, context);
      let request = input;
      if (!clientStreams) instruments?.received();
      else if (instruments !== undefined) {
        request = (async function* () {
          for await (const message of input as AsyncIterable<unknown>) {
            instruments.received();
            yield message;
          }
        })();
      }
      let iterator: AsyncIterator<unknown> | undefined;
      let error: unknown;
      let code = 0;
      try {
        const responses = (
          span === undefined ? handler(request, context) : span.run(() => handler(request, context))
        ) as AsyncIterable<unknown>;
        const it = (iterator = responses[Symbol.asyncIterator]());
        for (;;) {
          const next = await (span === undefined ? it.next() : span.run(() => it.next()));
          if (next.done === true) break;
          instruments?.sent();
          yield next.value;
        }
      } catch (thrown) {
        error = thrown;
        code = codeOf(thrown);
        throw thrown;
      } finally {
        // Ended by the consumer (client gone, shutdown, stalled), or failing because it was: the reason it was aborted with.
        const aborted = abortedBy(context);
        if (aborted !== undefined) ({ error, code } = aborted);
        await iterator?.return?.();
        open?.dec();
        finish(methodName, input, instruments, span, startedAt, error, code, tenant());
      }
    };
  }

  return {
    wrap(service, impl) {
      const handlers = impl as unknown as Record<string, AnyHandler>;
      const wrapped: Record<string, unknown> = {};
      for (const method of service.methods) {
        const handler = handlers[method.localName];
        if (handler === undefined) continue;
        const methodName = `${service.typeName}/${method.name}`;
        const type = rpcTypes[method.methodKind];
        const byTransport = new Map<RpcTransport, MethodInstruments>();
        const instrumentsOf =
          metrics === undefined
            ? () => undefined
            : (context: TransportContext) => {
                const transport = transportOf(context);
                let instruments = byTransport.get(transport);
                if (instruments === undefined) {
                  instruments = metrics.rpc.method(transport, service.typeName, method.name, type);
                  byTransport.set(transport, instruments);
                }
                return instruments;
              };
        wrapped[method.localName] =
          method.methodKind === "unary"
            ? wrapUnary(methodName, instrumentsOf, handler)
            : wrapStream(methodName, instrumentsOf, handler, method.methodKind === "bidi_streaming");
      }
      return wrapped as TransportImpl<typeof service>;
    },
    logError(error, method) {
      if (typeof error === "object" && error !== null && logged.has(error)) return;
      logger.error({ err: error, method }, "call failed");
    },
  };
}
