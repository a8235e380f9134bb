import { once } from "node:events";
import { create, fromBinary, toBinary, type DescMessage, type DescService, type Message, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { invalidArgument } from "../errors/service-error.js";
import type { HandlerContext, ServiceImpl } from "../service/service-impl.js";
import { toGrpcStatus, type ErrorLogger } from "./grpc-status.js";

type Unary = (request: Message, context: HandlerContext) => Promise<MessageInitShape<DescMessage>>;
type ServerStreaming = (request: Message, context: HandlerContext) => AsyncIterable<MessageInitShape<DescMessage>>;

export interface GrpcJsService {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** A context whose signal aborts when grpc-js reports the call cancelled (client gone or deadline passed). */
function contextFor(call: { on(event: "cancelled", listener: () => void): unknown }): HandlerContext {
  const controller = new AbortController();
  call.on("cancelled", () => controller.abort(new Error("call cancelled")));
  return { signal: controller.signal };
}

/**
 * Serves a protobuf-es service through @grpc/grpc-js. Requests are decoded in
 * the handler rather than by grpc-js so that a malformed body is
 * INVALID_ARGUMENT, not INTERNAL.
 */
export function createGrpcJsService<S extends DescService>(service: S, impl: ServiceImpl<S>, logError: ErrorLogger): GrpcJsService {
  const definition: Record<string, ServiceDefinition[string]> = {};
  const implementation: UntypedServiceImplementation = {};
  const handlers = impl as unknown as Record<string, Unary | ServerStreaming>;

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
      requestStream: false,
      responseStream: method.methodKind === "server_streaming",
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
        const context = contextFor(call);
        void (async () => {
          try {
            for await (const response of streaming(decode(call.request), context)) {
              if (context.signal.aborted) return;
              if (!call.write(encode(response))) {
                await once(call, "drain", { signal: context.signal }).catch(() => undefined);
              }
            }
            call.end();
          } catch (error) {
            if (!context.signal.aborted) call.emit("error", toGrpcStatus(error, path, logError));
          }
        })();
      };
    } else {
      throw new Error(`${path}: ${method.methodKind} methods are not served by this adapter yet`);
    }
  }
  return { definition: definition as ServiceDefinition, implementation };
}

