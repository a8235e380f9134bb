import type { IncomingMessage, ServerResponse } from "node:http";
import { createSecureServer, type Http2ServerResponse, type ServerHttp2Session } from "node:http2";
import type { Socket } from "node:net";
import { closeIfAnsweredEarly, type HttpHandler, type HttpListener } from "./listen-http.js";
import type { TlsFiles, TlsMaterial } from "./tls-files.js";

const contextOptions = (material: TlsMaterial) =>
  material.ca === undefined ? { cert: material.cert, key: material.key } : { ...material };

/**
 * HTTP/2 and HTTP/1.1 over TLS on one port (ALPN picks). The certificate follows the TLS files:
 * each change becomes the secure context of the connections that follow. With a client CA, a
 * client without a certificate that CA signed fails the handshake and reaches no handler.
 */
export async function listenHttps(host: string, port: number, tls: TlsFiles, handler: HttpHandler): Promise<HttpListener> {
  let closing = false;
  const server = createSecureServer(
    {
      ...contextOptions(tls.current()),
      allowHTTP1: true,
      requestCert: tls.requireClientCertificate,
      rejectUnauthorized: tls.requireClientCertificate,
    },
    (req, res) => {
      if (req.httpVersionMajor === 1) {
        // HTTP/1.1 (ALPN http/1.1): the same early-answer rule as in plaintext, and no reuse once closing.
        const http1 = res as unknown as ServerResponse;
        closeIfAnsweredEarly(req as unknown as IncomingMessage, http1);
        if (closing) http1.shouldKeepAlive = false;
      }
      handler(req, res as Http2ServerResponse);
    },
  );
  const unsubscribe = tls.subscribe((material) => server.setSecureContext(contextOptions(material)));
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  // A failed handshake (no client certificate, one from another CA, not TLS at all) ends that connection only.
  server.on("tlsClientError", (_error, socket) => socket.destroy());

  const bound = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });

  return {
    port: bound,
    async close(graceMs) {
      closing = true;
      unsubscribe();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
