import { createServer, type IncomingMessage } from "node:http";
import type { Registry } from "prom-client";
import { ListenError } from "./grpc-js-server.js";
import type { RunningServer } from "./running-server.js";

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  registry: Registry;
  /** Decides whether a scrape may read (`--metrics-token-file`); default: every scrape may. */
  authorize?: ((request: IncomingMessage) => boolean) | undefined;
}

/** Serves the registry at GET /metrics in Prometheus's text format, and nothing else. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningServer> {
  const { registry } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: the metrics are at GET /metrics\n");
      return;
    }
    if (options.authorize !== undefined && !options.authorize(req)) {
      res.writeHead(401, { "content-type": "text/plain", "www-authenticate": "Bearer" }).end("unauthorized\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(req.method === "HEAD" ? undefined : text),
      (error: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`cannot collect metrics: ${String(error)}\n`),
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const address = `${options.host}:${options.port}`;
      reject(
        new ListenError(
          error.code === "EADDRINUSE"
            ? `metrics-port: ${address} is already in use`
            : `metrics-port: cannot listen on ${address}: ${error.message}`,
        ),
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    async shutdown() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
