import http2 from "node:http2";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { Code as ConnectCode, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { Code, ServiceError, authenticateService, createGrpcJsService, createOpenAuthenticator } from "@checkpointd/server";
import { createStubService } from "./create-stub-service.js";
import type { TransportLibrary } from "./transport-library.js";

/** Same limit as checkpointd's default, applied to both libraries. */
const maxMessageBytes = 16 * 1024 * 1024;

export interface StubServer {
  port: number;
  close(): Promise<void>;
}

async function startGrpcJs(host: string, port: number): Promise<StubServer> {
  const impl = createStubService((message) => new ServiceError(Code.InvalidArgument, message));
  // The same authentication boundary as checkpointd's, with authentication off.
  const served = authenticateService(CheckpointService, impl, createOpenAuthenticator());
  const service = createGrpcJsService(CheckpointService, served, { logError: () => undefined });
  const server = new Server({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
  });
  server.addService(service.definition, service.implementation);
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, actual) => (error ? reject(error) : resolve(actual)));
  });
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

async function startConnectNode(host: string, port: number): Promise<StubServer> {
  const impl = createStubService((message) => new ConnectError(message, ConnectCode.InvalidArgument));
  const handler = connectNodeAdapter({
    readMaxBytes: maxMessageBytes,
    writeMaxBytes: maxMessageBytes,
    // The stub never reads its context's identity: Connect's own context stands in for it.
    routes: (router) => router.service(CheckpointService, impl as never),
  });
  // h2c: plaintext HTTP/2, which is what a gRPC client without TLS speaks.
  const server = http2.createServer(handler);
  server.listen(port, host);
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

/** Serves the stub with the given library on host:port (0 picks a free port). */
export function startStubServer(library: TransportLibrary, host: string, port: number): Promise<StubServer> {
  return library === "grpc-js" ? startGrpcJs(host, port) : startConnectNode(host, port);
}
