import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { settingDefaults } from "../config/setting-defaults.js";
import type { ErrorLogger } from "../errors/service-error.js";
import type { ServiceImpl } from "../service/service-impl.js";
import { errorInterceptor, recodeMalformedRequests } from "./connect-error.js";
import { ListenError } from "./grpc-js-server.js";
import { guardStalledResponse } from "./guard-stalled-response.js";
import { listenHttp, type HttpHandler } from "./listen-http.js";
import type { RunningServer } from "./running-server.js";
import type { StaticFiles } from "./static-files.js";

export interface ConnectServerOptions<S extends DescService> {
  host: string;
  /** 0 picks a free port. */
  port: number;
  service: S;
  impl: ServiceImpl<S>;
  maxMessageBytes: number;
  /** Origins allowed by CORS; "*" allows any. Empty: no CORS headers. */
  corsOrigins: readonly string[];
  logError: ErrorLogger;
  /** A streaming response whose client reads nothing for this long is reset (default: `--stream-stall-ms`'s). */
  streamStallMs?: number;
  /** Told of each reset stream (for the log). */
  onStalled?: (path: string) => void;
  /** The web inspector's files, served under their prefix (/ui/) before any RPC route. */
  staticFiles?: StaticFiles | undefined;
}

/** The service's streaming methods: the responses that can outgrow what a slow client reads. */
const streamingPath = /\/(List|Subscribe|Watch)$/;

const corsHeaders = {
  methods: "POST, GET, OPTIONS",
  allowHeaders: "content-type, connect-protocol-version, connect-timeout-ms, grpc-timeout, x-grpc-web, x-user-agent, authorization",
  exposeHeaders: "grpc-status, grpc-message, grpc-status-details-bin, connect-content-encoding",
};

/**
 * The Connect protocol, gRPC-Web and gRPC over HTTP/1.1 and h2c, through
 * connect-node, serving the same service implementation as the gRPC port: for
 * browsers and `curl` with JSON.
 */
export async function startConnectServer<S extends DescService>(options: ConnectServerOptions<S>): Promise<RunningServer> {
  const shutdown = new AbortController();
  const handler = connectNodeAdapter({
    routes: (router) => router.service(options.service, options.impl as never),
    readMaxBytes: options.maxMessageBytes,
    writeMaxBytes: options.maxMessageBytes,
    shutdownSignal: shutdown.signal,
    interceptors: [errorInterceptor(options.logError)],
    requestGate: recodeMalformedRequests,
  });
  const allowAny = options.corsOrigins.includes("*");
  const withCors: (...args: Parameters<HttpHandler>) => boolean = (req, res) => {
    const origin = req.headers.origin;
    if (origin === undefined || (!allowAny && !options.corsOrigins.includes(origin))) return false;
    res.setHeader("access-control-allow-origin", allowAny ? "*" : origin);
    res.setHeader("vary", "origin");
    res.setHeader("access-control-expose-headers", corsHeaders.exposeHeaders);
    if (req.method !== "OPTIONS") return false;
    res.setHeader("access-control-allow-methods", corsHeaders.methods);
    res.setHeader("access-control-allow-headers", corsHeaders.allowHeaders);
    res.setHeader("access-control-max-age", "7200");
    res.writeHead(204).end();
    return true;
  };

  let listener;
  try {
    const stallMs = options.streamStallMs ?? settingDefaults.streamStallMs;
    listener = await listenHttp(options.host, options.port, (req, res) => {
      if (options.staticFiles?.handle(req, res) === true) return;
      if (withCors(req, res)) return;
      const path = req.url ?? "";
      if (streamingPath.test(path)) guardStalledResponse(res, stallMs, () => options.onStalled?.(path));
      handler(req, res);
    });
  } catch (error) {
    const address = `${options.host}:${options.port}`;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ListenError(
      code === "EADDRINUSE"
        ? `http-port: ${address} is already in use`
        : `http-port: cannot listen on ${address}: ${(error as Error).message}`,
    );
  }
  const running = listener;
  return {
    port: running.port,
    async shutdown(graceMs) {
      shutdown.abort(new ConnectError("server is shutting down; reconnect to another replica or retry", Code.Unavailable));
      await running.close(graceMs);
    },
  };
}
