import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from "node:http2";
import { createServer as createTcpServer, type Socket } from "node:net";

export type HttpHandler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

export interface HttpListener {
  port: number;
  /** Stops accepting, asks open connections to finish, and destroys what is left after graceMs. */
  close(graceMs: number): Promise<void>;
}

const h2Preface = "PRI ";

/**
 * An HTTP/1.1 answer that starts before its request body has arrived in full
 * (an early error: a declared size over the limit, an undecodable frame) ends
 * the connection after it. The client may stop sending the rest of the body,
 * and a connection kept alive with a body half read would swallow the next
 * request on it until the keep-alive timeout reset it.
 */
export function closeIfAnsweredEarly(req: IncomingMessage, res: ServerResponse) {
  type WriteHead = (...args: unknown[]) => ServerResponse;
  const writeHead = (res.writeHead as WriteHead).bind(res);
  (res as unknown as { writeHead: WriteHead }).writeHead = (...args) => {
    if (!req.complete) res.shouldKeepAlive = false;
    return writeHead(...args);
  };
}

/**
 * HTTP/1.1 and cleartext HTTP/2 (h2c, prior knowledge) on one port. Node's
 * http2 server accepts HTTP/1.1 only over TLS, so each connection's first
 * bytes decide which server gets it.
 */
export async function listenHttp(host: string, port: number, handler: HttpHandler): Promise<HttpListener> {
  const http1 = createHttp1Server((req, res) => {
    closeIfAnsweredEarly(req, res);
    handler(req, res);
  });
  const http2 = createHttp2Server(handler);
  const sessions = new Set<ServerHttp2Session>();
  http2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const sockets = new Set<Socket>();

  const route = (socket: Socket) => {
    const head = socket.read() as Buffer | null;
    if (head === null) {
      socket.once("readable", () => route(socket));
      return;
    }
    if (head.length < h2Preface.length && h2Preface.startsWith(head.toString("latin1"))) {
      socket.unshift(head);
      socket.once("readable", () => route(socket));
      return;
    }
    socket.unshift(head);
    (head.toString("latin1", 0, h2Preface.length) === h2Preface ? http2 : http1).emit("connection", socket);
  };
  const tcp = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    route(socket);
  });

  const bound = await new Promise<number>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, host, () => {
      const address = tcp.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });

  return {
    port: bound,
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const session of sessions) session.close();
      http1.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
