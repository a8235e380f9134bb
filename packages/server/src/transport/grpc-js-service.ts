import { create, fromBinary, toBinary, type DescMessage, type DescService, type Message, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type Metadata,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { settingDefaults } from "../config/setting-defaults.js";
import { Code, invalidArgument, ServiceError, ShuttingDownError, type ErrorLogger } from "../errors/service-error.js";
import type { CallCredentials, TransportContext, TransportImpl } from "../auth/transport-context.js";
import { toGrpcStatus } from "./grpc-status.js";
import { peerCertificateOfCall } from "./peer-certificate.js";

type Unary = (request: Message, context: TransportContext) => Promise<MessageInitShape<DescMessage>>;
type ServerStreaming = (request: Message, context: TransportContext) => AsyncIterable<MessageInitShape<DescMessage>>;
type BidiStreaming = (requests: AsyncIterable<Message>, context: TransportContext) => AsyncIterable<MessageInitShape<DescMessage>>;

/**
 * Resolves on "drain" (or when the call is aborted); rejects with RESOURCE_EXHAUSTED when the
 * client has not read for stallMs. Its timer ends with it: an AbortSignal.timeout per wait kept a
 * 30 s timer (and AbortSignal.any's links) alive after every drain, ~2,400 of them at a time in
 * the soak's List streams.
 */
function drained(call: NodeJS.EventEmitter, signal: AbortSignal, stallMs: number): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: ServiceError) => {
      clearTimeout(timer);
      call.off("drain", onDrain);
      signal.removeEventListener("abort", onDrain);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = () => settle();
    const timer = setTimeout(
      () =>
        settle(
          new ServiceError(Code.ResourceExhausted, `the client read nothing for ${stallMs} ms; reconnect (Watch: from your last event id)`),
        ),
      stallMs,
    );
    call.on("drain", onDrain);
    signal.addEventListener("abort", onDrain);
  });
}

export interface GrpcJsService {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export interface GrpcJsServiceOptions {
  logError: ErrorLogger;
  /** Aborted when the server begins to shut down: open streams end with UNAVAILABLE. */
  shutdownSignal?: AbortSignal;
  /** A stream whose client reads nothing for this long ends with RESOURCE_EXHAUSTED (default: `--stream-stall-ms`'s). */
  streamStallMs?: number;
  /** Told of each stream ended for a stalled client (for the metrics). */
  onStalled?: ((path: string) => void) | undefined;
}

const shuttingDown = () => new ShuttingDownError();
/**
 * The reason a cancelled call's signal is aborted with: one instance, as grpc-js reports
 * "cancelled" for every call whose stream closes, finished ones included (an Error a call,
 * with its stack, was ~1 % of a Put's CPU).
 */
const callCancelled = new ServiceError(Code.Cancelled, "call cancelled");

/** What a grpc-js call carries of who is calling. */
type CallWithCredentials = { metadata: Metadata } & Parameters<typeof peerCertificateOfCall>[0];

/**
 * A context whose signal aborts when grpc-js reports the call cancelled (client
 * gone or deadline passed) or, for streams, when the server shuts down.
 * `done()` detaches it from the server's shutdown signal.
 */
function contextFor(
  call: { on(event: "cancelled", listener: () => void): unknown } & CallWithCredentials,
  shutdownSignal?: AbortSignal,
): TransportContext & { done(): void; abort(reason: unknown): void } {
  const controller = new AbortController();
  const credentials = credentialsOf(call);
  call.on("cancelled", () => controller.abort(callCancelled));
  const onShutdown = () => controller.abort(shuttingDown());
  if (shutdownSignal?.aborted === true) onShutdown();
  else shutdownSignal?.addEventListener("abort", onShutdown, { once: true });
  const { metadata } = call;
  return {
    signal: controller.signal,
    credentials,
    requestHeader: { get: (name) => headerOf(metadata, name) },
    done: () => shutdownSignal?.removeEventListener("abort", onShutdown),
    abort: (reason) => controller.abort(reason),
  };
}

/** The first text value of a metadata key, as Headers.get answers. */
function headerOf(metadata: Metadata, name: string): string | null {
  const value = metadata.get(name)[0];
  return typeof value === "string" ? value : null;
}

/** The call's `authorization` values as sent (binary metadata is not a credential) and its verified client certificate. */
export function credentialsOf(call: CallWithCredentials): CallCredentials {
  const values = call.metadata.get("authorization");
  return {
    authorization: values.filter((value): value is string => typeof value === "string"),
    peerCertificate: peerCertificateOfCall(call),
  };
}

/**
 * Serves a protobuf-es service through @grpc/grpc-js. Requests are decoded in
 * the handler rather than by grpc-js so that a malformed body is
 * INVALID_ARGUMENT, not INTERNAL.
 */
export function createGrpcJsService<S extends DescService>(
  service: S,
  impl: TransportImpl<S>,
  options: GrpcJsServiceOptions,
): GrpcJsService {
  const { logError, shutdownSignal } = options;
  const stallMs = options.streamStallMs ?? settingDefaults.streamStallMs;
  const definition: Record<string, ServiceDefinition[string]> = {};
  const implementation: UntypedServiceImplementation = {};
  const handlers = impl as unknown as Record<string, Unary | ServerStreaming | BidiStreaming>;

  for (const method of service.methods) {
    const path = `/${service.typeName}/${method.name}`;
    const decode = (bytes: Buffer): Message => {
      try {
        return fromBinary(method.input, bytes);
      } catch {
        throw invalidArgument(`request body is not a valid ${method.input.typeName}`);
      }
    };
    const encode = (init: MessageInitShape<DescMessage>) => create(method.output, init);
    definition[method.localName] = {
      path,
      requestStream: method.methodKind === "bidi_streaming" || method.methodKind === "client_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: (value: Buffer) => value,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (value: Message) => asBuffer(toBinary(method.output, value)),
      responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
    };
    const handler = handlers[method.localName];
    if (handler === undefined) throw new Error(`no handler for ${path}`);

    if (method.methodKind === "unary") {
      const unary = handler as Unary;
      implementation[method.localName] = (call: ServerUnaryCall<Buffer, Message>, callback: sendUnaryData<Message>) => {
        const context = contextFor(call);
        Promise.resolve()
          .then(() => unary(decode(call.request), context))
          .then(
            (response) => callback(null, encode(response)),
            (error: unknown) => callback(toGrpcStatus(error, path, logError)),
          );
      };
    } else if (method.methodKind === "server_streaming") {
      const streaming = handler as ServerStreaming;
      implementation[method.localName] = (call: ServerWritableStream<Buffer, Message>) => {
        const context = contextFor(call, shutdownSignal);
        void writeStream(call, context, () => streaming(decode(call.request), context));
      };
    } else if (method.methodKind === "bidi_streaming") {
      const bidi = handler as BidiStreaming;
      implementation[method.localName] = (call: ServerDuplexStream<Buffer, Message>) => {
        const context = contextFor(call, shutdownSignal);
        async function* requests() {
          for await (const chunk of call) yield decode(chunk as Buffer);
        }
        void writeStream(call, context, () => bidi(requests(), context));
      };
    } else {
      throw new Error(`${path}: ${method.methodKind} methods are not served by this adapter`);
    }

    /**
     * Writes a handler's responses, waiting for "drain" when the client reads
     * slowly. A client that reads nothing for stallMs gets RESOURCE_EXHAUSTED, so
     * a stuck reader holds at most the HTTP/2 window and a few messages. Ends the
     * call once: with the handler's error, or UNAVAILABLE on shutdown.
     */
    async function writeStream(
      call: ServerWritableStream<Buffer, Message> | ServerDuplexStream<Buffer, Message>,
      context: TransportContext & { done(): void; abort(reason: unknown): void },
      responses: () => AsyncIterable<MessageInitShape<DescMessage>>,
    ) {
      const fail = (error: unknown) => {
        if (call.cancelled) return;
        const reason: unknown = context.signal.aborted ? context.signal.reason : error;
        call.emit("error", toGrpcStatus(reason instanceof ServiceError ? reason : error, path, logError));
      };
      try {
        for await (const response of responses()) {
          if (context.signal.aborted) break;
          if (!call.write(encode(response))) {
            try {
              await drained(call, context.signal, stallMs);
            } catch (error) {
              // Aborted before the handler's iterator is closed, so what observes the call sees the reason.
              context.abort(error);
              options.onStalled?.(path);
              throw error;
            }
          }
        }
        if (context.signal.aborted) fail(context.signal.reason);
        else call.end();
      } catch (error) {
        fail(error);
      } finally {
        context.done();
      }
    }
  }
  return { definition: definition as ServiceDefinition, implementation };
}
