import { connect as connectHttp2, constants as h2, type ClientHttp2Session, type OutgoingHttpHeaders } from "node:http2";
import { REQUEST_TIMEOUT_MS } from "./fuzz-limits.js";
import { type Outcome } from "./outcome.js";

/** A few h2c connections, reopened when the server closes one. */
export class H2Pool {
  private readonly sessions: (ClientHttp2Session | undefined)[];
  constructor(
    private readonly origin: string,
    size: number,
  ) {
    this.sessions = new Array<ClientHttp2Session | undefined>(size);
  }
  get(slot: number, fresh = false): ClientHttp2Session {
    const i = slot % this.sessions.length;
    let session = this.sessions[i];
    if (fresh || session === undefined || session.closed || session.destroyed) {
      session?.destroy();
      session = connectHttp2(this.origin, { maxSessionMemory: 64 });
      session.on("error", () => undefined);
      session.on("goaway", () => {
        if (this.sessions[i] === session) this.sessions[i] = undefined;
      });
      this.sessions[i] = session;
    }
    return session;
  }
  close(): void {
    for (const session of this.sessions) session?.destroy();
    this.sessions.fill(undefined);
  }
}

export interface H2Request {
  path: string;
  method?: string;
  /** undefined: no content-type header at all. */
  contentType?: string | undefined;
  extraHeaders?: OutgoingHttpHeaders;
  /** undefined: headers only (END_STREAM on HEADERS). */
  body?: Buffer[] | undefined;
}

/**
 * One request on a raw HTTP/2 stream. The answer is complete when the server
 * ends its side (trailers, a trailers-only response, or an HTTP rejection);
 * then the stream is cancelled as real clients do, since a server may answer
 * before it has read the whole body (connect-es does) and leave the rest unread.
 */
export function h2Call(pool: H2Pool, slot: number, request: H2Request): Promise<Outcome> {
  const headers: OutgoingHttpHeaders = {
    ":method": request.method ?? "POST",
    ":path": request.path,
    te: "trailers",
    ...request.extraHeaders,
  };
  if (request.contentType !== undefined) headers["content-type"] = request.contentType;
  let session = pool.get(slot);
  return new Promise<Outcome>((resolve) => {
    let http: number | undefined;
    let grpcStatus: string | undefined;
    let grpcMessage: string | undefined;
    let streamError: string | undefined;
    let settled = false;
    let stream: ReturnType<ClientHttp2Session["request"]>;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!stream.closed) stream.close(h2.NGHTTP2_CANCEL);
      resolve(outcome);
    };
    const answered = () => {
      if (grpcStatus !== undefined) finish({ code: Number(grpcStatus), http, detail: grpcMessage ?? "" });
      else if (http !== undefined) finish({ http, detail: streamError ?? "" });
      else finish({ transport: `rst ${stream.rstCode}`, detail: streamError ?? "" });
    };
    const fromHeaders = (h: Record<string, unknown>) => {
      if (h["grpc-status"] !== undefined) grpcStatus = String(h["grpc-status"]);
      if (h["grpc-message"] !== undefined) grpcMessage = decodeURIComponent(String(h["grpc-message"]));
    };
    try {
      stream = session.request(headers, { endStream: request.body === undefined });
    } catch {
      // The connection was closing (GOAWAY): retry once on a fresh one.
      session = pool.get(slot, true);
      stream = session.request(headers, { endStream: request.body === undefined });
    }
    const timer = setTimeout(
      () => finish({ transport: "timeout", detail: `no answer after ${REQUEST_TIMEOUT_MS} ms` }),
      REQUEST_TIMEOUT_MS,
    );
    stream.on("response", (h) => {
      http = Number(h[":status"]);
      fromHeaders(h);
    });
    stream.on("trailers", (h) => fromHeaders(h));
    stream.on("data", () => undefined);
    stream.on("error", (error: NodeJS.ErrnoException) => (streamError = error.code ?? error.message));
    stream.on("end", answered);
    stream.on("close", answered);
    if (request.body !== undefined) {
      for (const chunk of request.body) stream.write(chunk);
      stream.end();
    }
  });
}

/** One gRPC message: compressed flag, 4-byte big-endian length, payload. */
export function frame(payload: Buffer, { compressed = false, declaredLength = payload.length } = {}): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(compressed ? 1 : 0, 0);
  header.writeUInt32BE(declaredLength >>> 0, 1);
  return Buffer.concat([header, payload]);
}
