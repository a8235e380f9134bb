import type { DescService } from "@bufbuild/protobuf";
import type { PeerCertificate } from "node:tls";
import type { CallIdentity } from "../domain/call-identity.js";
import type { HandlerContext, ServiceImpl } from "../service/service-impl.js";

/** What a transport knows about who is calling, before anything is verified. */
export interface CallCredentials {
  /** Every `authorization` header value the call carried (a client may send several). */
  readonly authorization: readonly string[];
  /** The client's verified TLS certificate (mTLS), when there is one. */
  readonly peerCertificate: PeerCertificate | undefined;
}

/** What a transport hands to each call: the authentication layer turns it into a HandlerContext. */
export interface TransportContext {
  readonly signal: AbortSignal;
  readonly credentials: CallCredentials;
  /** The call's request headers (gRPC metadata): the protocol and trace context for observe-calls.ts. */
  readonly requestHeader?: { get(name: string): string | null } | undefined;
  /** Told who calls once authentication has accepted the call (observe-calls.ts: the tenant of its log line and metrics). */
  readonly onIdentity?: ((identity: CallIdentity) => void) | undefined;
}

type Retarget<F> = F extends (input: infer I, context: HandlerContext) => infer O ? (input: I, context: TransportContext) => O : never;

/** A service as the transports serve it: like ServiceImpl, but each call brings credentials instead of an identity. */
export type TransportImpl<S extends DescService> = {
  [K in keyof ServiceImpl<S>]: Retarget<ServiceImpl<S>[K]>;
};

export const noCredentials: CallCredentials = Object.freeze({ authorization: [], peerCertificate: undefined });
