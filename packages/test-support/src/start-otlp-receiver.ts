import { createServer } from "node:http";
import { gunzipSync } from "node:zlib";
import { decodeOtlpJson, decodeOtlpProtobuf, type ReceivedSpan } from "./otlp-spans.js";

/** An in-test OTLP/HTTP trace receiver on 127.0.0.1: what exporters send to `${url}/v1/traces`, decoded. */
export interface OtlpReceiver {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  /** Every span received so far. */
  spans(): ReceivedSpan[];
  close(): Promise<void>;
}

/** Accepts OTLP/HTTP trace exports in protobuf or JSON (gzip or not) and keeps their spans. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      try {
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        const json = (req.headers["content-type"] ?? "").startsWith("application/json");
        received.push(...(json ? decodeOtlpJson(body.toString("utf8")) : decodeOtlpProtobuf(body)));
        res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" }).end(json ? "{}" : undefined);
      } catch (error) {
        res.writeHead(400, { "content-type": "text/plain" }).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
