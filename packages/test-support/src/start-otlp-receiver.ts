import { createServer } from "node:http";
import { gunzipSync } from "node:zlib";
import { decodeOtlpMetricsProtobuf, type ReceivedHistogramPoint } from "./otlp-metrics.js";
import { decodeOtlpJson, decodeOtlpProtobuf, type ReceivedSpan } from "./otlp-spans.js";

/** An in-test OTLP/HTTP receiver on 127.0.0.1: what exporters send to `${url}/v1/traces` and `/v1/metrics`, decoded. */
export interface OtlpReceiver {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  /** Every span received so far. */
  spans(): ReceivedSpan[];
  /** Every histogram data point received so far (protobuf exports), in arrival order. */
  histogramPoints(): ReceivedHistogramPoint[];
  close(): Promise<void>;
}

/** Accepts OTLP/HTTP trace exports in protobuf or JSON (gzip or not), and metrics exports in protobuf, and keeps what they hold. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const points: ReceivedHistogramPoint[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || (req.url !== "/v1/traces" && req.url !== "/v1/metrics")) {
        res.writeHead(404).end();
        return;
      }
      try {
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        const json = (req.headers["content-type"] ?? "").startsWith("application/json");
        if (req.url === "/v1/metrics") {
          if (json) throw new Error("this receiver decodes protobuf metrics only");
          points.push(...decodeOtlpMetricsProtobuf(body));
          res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
          return;
        }
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
    histogramPoints: () => [...points],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
