import type {
  DescMethodBiDiStreaming,
  DescMethodServerStreaming,
  DescMethodUnary,
  DescService,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import type { CallIdentity } from "../domain/call-identity.js";

/** What a handler learns about its call, whatever the transport. */
export interface HandlerContext {
  /** Aborted when the client cancels, the deadline passes or the server shuts down. */
  signal: AbortSignal;
  /** Who calls, established by the authentication layer (auth/) before the handler runs. */
  identity: CallIdentity;
  /** The call's `x-checkpointd-fencing-token` metadata, as sent (see fencing-token.ts); undefined: none. */
  fencingToken?: string | undefined;
}

type MethodImpl<M> =
  M extends DescMethodUnary<infer I, infer O>
    ? (request: MessageShape<I>, context: HandlerContext) => Promise<MessageInitShape<O>>
    : M extends DescMethodServerStreaming<infer I, infer O>
      ? (request: MessageShape<I>, context: HandlerContext) => AsyncIterable<MessageInitShape<O>>
      : M extends DescMethodBiDiStreaming<infer I, infer O>
        ? (requests: AsyncIterable<MessageShape<I>>, context: HandlerContext) => AsyncIterable<MessageInitShape<O>>
        : never;

/**
 * A service implementation independent of the transport library: the grpc-js
 * adapter (grpc-js-service.ts) and the Connect adapter (connect-server.ts)
 * serve the same object.
 */
export type ServiceImpl<S extends DescService> = {
  [K in keyof S["method"]]: MethodImpl<S["method"][K]>;
};
