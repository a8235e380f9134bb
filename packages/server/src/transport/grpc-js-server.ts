import { Server, ServerCredentials } from "@grpc/grpc-js";
import type { GrpcJsService } from "./grpc-js-service.js";
import type { RunningServer } from "./running-server.js";
import type { TlsFiles } from "./tls-files.js";
import { createWatchedServerCredentials } from "./watched-server-credentials.js";

export interface GrpcJsServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  services: readonly GrpcJsService[];
  /** Largest request and response message, in bytes. */
  maxMessageBytes: number;
  /** TLS (and, with a client CA, mutual TLS); undefined: plaintext h2c. */
  tls?: TlsFiles | undefined;
}

export class ListenError extends Error {
  override name = "ListenError";
}

export async function startGrpcJsServer(options: GrpcJsServerOptions): Promise<RunningServer> {
  const server = new Server({
    "grpc.max_receive_message_length": options.maxMessageBytes,
    "grpc.max_send_message_length": options.maxMessageBytes,
    // No channelz: nothing here serves it, and its per-call bookkeeping was ~3 % of a lone Put's CPU.
    "grpc.enable_channelz": 0,
  });
  for (const service of options.services) server.addService(service.definition, service.implementation);
  const address = `${options.host.includes(":") ? `[${options.host}]` : options.host}:${options.port}`;
  const credentials = options.tls === undefined ? ServerCredentials.createInsecure() : createWatchedServerCredentials(options.tls);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (error, bound) => {
      if (error === null) {
        resolve(bound);
        return;
      }
      const inUse = /EADDRINUSE|address already in use/i.test(error.message);
      reject(new ListenError(inUse ? `port: ${address} is already in use` : `host/port: cannot listen on ${address}: ${error.message}`));
    });
  });
  return {
    port,
    shutdown(graceMs) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
