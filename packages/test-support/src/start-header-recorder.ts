import { createSecureServer } from "node:http2";
import type { TLSSocket } from "node:tls";

export interface HeaderRecorderOptions {
  /** PEM certificate and key the peer serves. */
  cert: string;
  key: string;
  /** Set: clients must present a certificate this CA signed. */
  ca?: string;
}

/** One gRPC call the recorder saw. */
export interface RecordedCall {
  path: string;
  authorization: string | undefined;
  /** The subject CN of the client's certificate, when it sent one. */
  clientCn: string | undefined;
}

export interface HeaderRecorder {
  port: number;
  calls: RecordedCall[];
  close(): Promise<void>;
}

/**
 * A TLS HTTP/2 peer that answers every gRPC call with one empty message and status OK, and
 * records its path, its authorization header and the client certificate's CN: to check what a
 * client sends over the wire. An empty message decodes as the default of every response type.
 */
export async function startHeaderRecorder(options: HeaderRecorderOptions): Promise<HeaderRecorder> {
  const calls: RecordedCall[] = [];
  const server = createSecureServer({
    cert: options.cert,
    key: options.key,
    ...(options.ca === undefined ? {} : { ca: options.ca, requestCert: true, rejectUnauthorized: true }),
  });
  server.on("stream", (stream, headers) => {
    const cn = (stream.session?.socket as TLSSocket | undefined)?.getPeerCertificate().subject?.CN;
    calls.push({ path: String(headers[":path"]), authorization: headers.authorization, clientCn: typeof cn === "string" ? cn : undefined });
    stream.on("data", () => undefined);
    stream.on("end", () => {
      stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
