import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import type { PeerCertificate } from "node:tls";

/** The part of a TLS socket a verified peer certificate is read from. */
interface TlsSocketLike {
  authorized?: boolean;
  getPeerCertificate?: (detailed?: boolean) => PeerCertificate | Record<string, never> | null;
}

/** A certificate the handshake verified against the client CA, or undefined (plaintext, none, unverified). */
function verifiedCertificate(socket: TlsSocketLike | null | undefined): PeerCertificate | undefined {
  if (socket?.authorized !== true || typeof socket.getPeerCertificate !== "function") return undefined;
  const certificate = socket.getPeerCertificate() as Partial<PeerCertificate> | null;
  return certificate?.raw === undefined ? undefined : (certificate as PeerCertificate);
}

/** What grpc-js's server calls offer (every kind of call has it). */
interface GrpcJsCallLike {
  getAuthContext?: () => { sslPeerCertificate?: PeerCertificate } | null;
}

/**
 * The verified client certificate of a call on the gRPC port (grpc-js reports only certificates of
 * authorized TLS sockets), or undefined.
 */
export function peerCertificateOfCall(call: GrpcJsCallLike): PeerCertificate | undefined {
  const certificate = call.getAuthContext?.()?.sslPeerCertificate;
  return certificate?.raw === undefined ? undefined : certificate;
}

/**
 * The verified client certificate of a request on the Connect/gRPC-Web port (HTTP/2: the
 * session's TLS socket; HTTP/1.1: the request's), or undefined.
 */
export function peerCertificateOfRequest(req: IncomingMessage | Http2ServerRequest): PeerCertificate | undefined {
  const session = "stream" in req ? (req.stream.session as { socket?: TlsSocketLike } | undefined) : undefined;
  return verifiedCertificate(session?.socket ?? (req.socket as TlsSocketLike | null));
}
