import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type StreamRequest } from "@connectrpc/connect";
import type { Client, ClientDuplexStream } from "@grpc/grpc-js";
import { callOptionsFromHeaders } from "./call-options-from-headers.js";
import type { MethodCodec } from "./method-codec.js";
import { metadataFromHeaders } from "./metadata-from-headers.js";
import { readGrpcJsStream, type GrpcJsStreamReader } from "./read-grpc-js-stream.js";

/** Told when the grpc-js call exists (to cancel it) and when it has ended (its status arrived). */
export interface StreamHooks {
  started(call: { cancel(): void }): void;
  ended(): void;
}

async function onlyMessage<T>(input: AsyncIterable<T>): Promise<T> {
  for await (const message of input) return message;
  throw new ConnectError("protocol error: missing request message for a server-streaming method", Code.Internal);
}

function drained(call: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off("drain", done);
      call.off("status", done);
      resolve();
    };
    call.on("drain", done);
    call.on("status", done);
  });
}

/** Writes the request stream, with backpressure, until it ends (half-close) or the call does. */
async function writeRequests<I, O>(
  input: AsyncIterable<I>,
  call: ClientDuplexStream<I, unknown>,
  finished: () => boolean,
  reader: GrpcJsStreamReader<O>,
): Promise<void> {
  try {
    for await (const message of input) {
      if (finished()) return;
      if (!call.write(message)) await drained(call);
    }
    if (!finished()) call.end();
  } catch (error) {
    reader.fail(ConnectError.from(error));
  }
}

/** Starts a server-streaming or bidi call with grpc-js; client-streaming methods are not supported. */
export async function startGrpcJsStream<I extends DescMessage, O extends DescMessage>(
  client: Client,
  codec: MethodCodec<I, O>,
  req: StreamRequest<I, O>,
  hooks: StreamHooks,
): Promise<GrpcJsStreamReader<MessageShape<O>>> {
  const metadata = metadataFromHeaders(req.header);
  const options = callOptionsFromHeaders(req.header);
  switch (req.method.methodKind) {
    case "server_streaming": {
      const message = await onlyMessage(req.message);
      const call = client.makeServerStreamRequest(codec.path, codec.serialize, codec.deserialize, message, metadata, options);
      hooks.started(call);
      return readGrpcJsStream(call, hooks.ended);
    }
    case "bidi_streaming": {
      const call = client.makeBidiStreamRequest(codec.path, codec.serialize, codec.deserialize, metadata, options);
      hooks.started(call);
      let finished = false;
      const reader = readGrpcJsStream(call, () => {
        finished = true;
        hooks.ended();
      });
      void writeRequests(req.message, call, () => finished, reader);
      return reader;
    }
    default:
      throw new ConnectError(`${req.method.methodKind} methods are not supported by the grpc-js transport`, Code.Unimplemented);
  }
}
