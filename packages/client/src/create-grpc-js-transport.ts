import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type Interceptor,
  type StreamRequest,
  type StreamResponse,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { createMethodUrl, runStreamingCall } from "@connectrpc/connect/protocol";
import type { Client } from "@grpc/grpc-js";
import { callOptionsFromHeaders } from "./call-options-from-headers.js";
import { connectErrorFromStatus } from "./connect-error-from-status.js";
import { appendMetadata } from "./append-metadata.js";
import { metadataFromHeaders } from "./metadata-from-headers.js";
import { methodCodec } from "./method-codec.js";
import { runInterceptedUnary } from "./run-intercepted-unary.js";
import { startGrpcJsStream } from "./start-grpc-js-stream.js";

export interface GrpcJsTransportOptions {
  /** The grpc-js client the calls go through (see createGrpcJsClient). */
  client: Client;
  /** Only for the `url` interceptors see: `http(s)://host:port`. */
  baseUrl: string;
  /** Connect interceptors, run around every call as with Connect's own transports. */
  interceptors?: Interceptor[];
}

/** A Connect transport that can also be closed: the connection, and the calls still in flight. */
export interface GrpcJsTransport extends Transport {
  close(): void;
}

/** Request headers as interceptors see them: the caller's, and the deadline as gRPC sends it. */
function requestHeader(timeoutMs: number | undefined, header: ConstructorParameters<typeof Headers>[0]): Headers {
  const result = new Headers(header);
  if (timeoutMs !== undefined) result.set("grpc-timeout", `${Math.min(Math.ceil(timeoutMs), 99_999_999)}m`);
  return result;
}

/**
 * A Connect `Transport` over a grpc-js client: Connect-typed messages, Connect interceptors and
 * ConnectErrors, grpc-js's HTTP/2 underneath. Unary, server-streaming and bidi methods.
 */
export function createGrpcJsTransport(options: GrpcJsTransportOptions): GrpcJsTransport {
  const { client, baseUrl, interceptors } = options;
  const active = new Set<{ cancel(): void }>();
  let closed = false;
  const closedError = () => new ConnectError("the client is closed", Code.Canceled);

  function callUnary<I extends DescMessage, O extends DescMessage>(req: UnaryRequest<I, O>): Promise<UnaryResponse<I, O>> {
    if (closed) return Promise.reject(closedError());
    const { method, signal } = req;
    const codec = methodCodec(method);
    const header = new Headers();
    const trailer = new Headers();
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(ConnectError.from(signal.reason, Code.Canceled));
      const cancel = () => call.cancel();
      const call = client.makeUnaryRequest<MessageShape<I>, MessageShape<O>>(
        codec.path,
        codec.serialize,
        codec.deserialize,
        req.message,
        metadataFromHeaders(req.header),
        callOptionsFromHeaders(req.header),
        (error, message) => {
          active.delete(call);
          signal.removeEventListener("abort", cancel);
          if (error !== null) reject(connectErrorFromStatus(error, header));
          else if (message === undefined)
            reject(new ConnectError("protocol error: missing output message for unary method", Code.Unimplemented));
          else resolve({ stream: false, service: method.parent, method, header, message, trailer });
        },
      );
      active.add(call);
      signal.addEventListener("abort", cancel);
      call.on("metadata", (metadata) => appendMetadata(header, metadata));
      // grpc-js emits the status right after the callback, before anyone can read the trailer.
      call.on("status", (status) => appendMetadata(trailer, status.metadata));
    });
  }

  async function callStream<I extends DescMessage, O extends DescMessage>(req: StreamRequest<I, O>): Promise<StreamResponse<I, O>> {
    if (closed) throw closedError();
    const { method, signal } = req;
    if (signal.aborted) throw ConnectError.from(signal.reason, Code.Canceled);
    let call: { cancel(): void } | undefined;
    const cancel = () => call?.cancel();
    const reader = await startGrpcJsStream(client, methodCodec(method), req, {
      started(c) {
        call = c;
        active.add(c);
        signal.addEventListener("abort", cancel);
        if (signal.aborted) c.cancel();
      },
      ended() {
        if (call !== undefined) active.delete(call);
        signal.removeEventListener("abort", cancel);
      },
    });
    const header = await reader.header;
    return { stream: true, service: method.parent, method, header, trailer: reader.trailer, message: reader.messages };
  }

  return {
    unary(method, signal, timeoutMs, header, message, contextValues) {
      const timeout = timeoutMs === undefined || timeoutMs <= 0 ? undefined : timeoutMs;
      try {
        return runInterceptedUnary({
          method,
          url: createMethodUrl(baseUrl, method),
          header: requestHeader(timeout, header),
          contextValues: contextValues ?? createContextValues(),
          message,
          signal,
          interceptors,
          next: callUnary,
        });
      } catch (error) {
        // A bad header or message: a rejected call, as from Connect's transports, not a throw.
        return Promise.reject(ConnectError.from(error));
      }
    },
    async stream(method, signal, timeoutMs, header, input, contextValues) {
      const timeout = timeoutMs === undefined || timeoutMs <= 0 ? undefined : timeoutMs;
      return runStreamingCall({
        ...(interceptors === undefined ? {} : { interceptors }),
        ...(signal === undefined ? {} : { signal }),
        ...(timeout === undefined ? {} : { timeoutMs: timeout }),
        req: {
          stream: true,
          service: method.parent,
          method,
          requestMethod: "POST",
          url: createMethodUrl(baseUrl, method),
          header: requestHeader(timeout, header),
          contextValues: contextValues ?? createContextValues(),
          message: input,
        },
        next: callStream,
      });
    },
    close() {
      if (closed) return;
      closed = true;
      for (const call of active) call.cancel();
      active.clear();
      client.close();
    },
  };
}
