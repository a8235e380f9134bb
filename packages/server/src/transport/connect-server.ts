import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, createContextValues, type HandlerContext as ConnectContext } from "@connectrpc/connect";
import type { PeerCertificate } from "node:tls";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { settingDefaults } from "../config/setting-defaults.js";
import type { ErrorLogger } from "../errors/service-error.js";
import type { TransportContext, TransportImpl } from "../auth/transport-context.js";
import { errorInterceptor, recodeMalformedRequests } from "./connect-error.js";
import { ListenError } from "./grpc-js-server.js";
import { guardStalledResponse } from "./guard-stalled-response.js";
import { peerCertificateOfRequest } from "./peer-certificate.js";
import { listenHttp, type HttpHandler } from "./listen-http.js";
import { listenHttps } from "./listen-https.js";
import type { RunningServer } from "./running-server.js";
import type { TlsFiles } from "./tls-files.js";
import type { StaticFiles } from "./static-files.js";

export interface ConnectServerOptions<S extends DescService> {
  host: string;
  /** 0 picks a free port. */
  port: number;
  service: S;
  impl: TransportImpl<S>;
  maxMessageBytes: number;
  /** Origins allowed by CORS; "*" allows any. Empty: no CORS headers. */
  corsOrigins: readonly string[];
  logError: ErrorLogger;
  /** A streaming response whose client reads nothing for this long is reset (default: `--stream-stall-ms`'s). */
  streamStallMs?: number;
  /** TLS (and, with a client CA, mutual TLS); undefined: plaintext HTTP/1.1 and h2c. */
  tls?: TlsFiles | undefined;
  /** Told of each reset stream (for the log). */
  onStalled?: (path: string) => void;
  /** The web inspector's files, served under their prefix (/ui/) before any RPC route. */
  staticFiles?: StaticFiles | undefined;
}

/** The service's streaming methods: the responses that can outgrow what a slow client reads. */
const streamingPath = /\/(List|Subscribe|Watch)$/;

const corsHeaders = {
  methods: "POST, GET, OPTIONS",
  allowHeaders:
    "content-type, connect-protocol-version, connect-timeout-ms, grpc-timeout, x-grpc-web, x-user-agent, authorization, x-checkpointd-fencing-token",
  // The lease refusal's metadata (docs/protocol.md, "Leases"), for a browser's waitForLease.
  exposeHeaders:
    "grpc-status, grpc-message, grpc-status-details-bin, connect-content-encoding, " +
    "x-checkpointd-lease-holder, x-checkpointd-lease-expires-at, x-checkpointd-last-event-id",
};

type ConnectHandler = (input: unknown, context: ConnectContext) => unknown;

/** The request's verified client certificate, handed from the HTTP request to the handler's context. */
const peerCertificateKey = createContextKey<PeerCertificate | undefined>(undefined, { description: "verified client certificate" });
type TransportHandler = (input: unknown, context: TransportContext) => unknown;

/** Connect's handler context carries the headers; the service's handlers take the transport-neutral context. */
function connectImpl<S extends DescService>(service: S, impl: TransportImpl<S>): Record<string, ConnectHandler> {
  const handlers = impl as unknown as Record<string, TransportHandler>;
  const adapted: Record<string, ConnectHandler> = {};
  for (const method of service.methods) {
    const handler = handlers[method.localName]!;
    adapted[method.localName] = (input, context) => {
      const authorization = context.requestHeader.get("authorization");
      return handler(input, {
        signal: context.signal,
        requestHeader: context.requestHeader,
        credentials: {
          authorization: authorization === null ? [] : [authorization],
          peerCertificate: context.values.get(peerCertificateKey),
        },
      });
    };
  }
  return adapted;
}

/**
 * Node keeps only the first of several `authorization` headers (HTTP/1.1 and
 * HTTP/2 alike): joined, all of them reach the authenticator, which refuses
 * the result as malformed.
 */
function refuseRepeatedAuthorization(req: { rawHeaders: string[]; headers: Record<string, unknown> }): void {
  let sent: string[] | undefined;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === "authorization") (sent ??= []).push(req.rawHeaders[i + 1]!);
  }
  if (sent !== undefined && sent.length > 1) req.headers.authorization = sent.join(", ");
}

/**
 * The Connect protocol, gRPC-Web and gRPC over HTTP/1.1 and h2c, through
 * connect-node, serving the same service implementation as the gRPC port: for
 * browsers and `curl` with JSON.
 */
export async function startConnectServer<S extends DescService>(options: ConnectServerOptions<S>): Promise<RunningServer> {
  const shutdown = new AbortController();
  const handler = connectNodeAdapter({
    routes: (router) => router.service(options.service, connectImpl(options.service, options.impl) as never),
    readMaxBytes: options.maxMessageBytes,
    writeMaxBytes: options.maxMessageBytes,
    shutdownSignal: shutdown.signal,
    interceptors: [errorInterceptor(options.logError)],
    requestGate: recodeMalformedRequests,
    contextValues: (req) => createContextValues().set(peerCertificateKey, peerCertificateOfRequest(req)),
  });
  // Never Access-Control-Allow-Credentials, and "*" is answered as "*", never as the caller's
  // origin: browsers then send no ambient credentials (cookies, client certificates) cross-origin,
  // and a page can only call with a token it holds itself (the authorization header).
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
    const serve: HttpHandler = (req, res) => {
      if (options.staticFiles?.handle(req, res) === true) return;
      if (withCors(req, res)) return;
      refuseRepeatedAuthorization(req);
      const path = req.url ?? "";
      if (streamingPath.test(path)) guardStalledResponse(res, stallMs, () => options.onStalled?.(path));
      handler(req, res);
    };
    listener =
      options.tls === undefined
        ? await listenHttp(options.host, options.port, serve)
        : await listenHttps(options.host, options.port, options.tls, serve);
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
