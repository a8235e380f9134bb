import { Client, credentials, type ChannelCredentials, type ChannelOptions, type VerifyOptions } from "@grpc/grpc-js";
import type { CheckpointdTlsOptions } from "./checkpointd-client-options.js";

export interface GrpcJsClientOptions {
  /** A name or an IP address (IPv6 without brackets). */
  host: string;
  port: number;
  tls: false | true | CheckpointdTlsOptions;
  /** HTTP/2 PINGs this often while calls are open; a PING unanswered for 10 s closes the connection. */
  keepAliveMs: number;
}

function toBuffer(value: string | Buffer | undefined): Buffer | null {
  if (value === undefined) return null;
  return typeof value === "string" ? Buffer.from(value) : value;
}

function channelCredentials(tls: GrpcJsClientOptions["tls"]): ChannelCredentials {
  if (tls === false) return credentials.createInsecure();
  if (tls === true) return credentials.createSsl();
  const verify: VerifyOptions = {};
  if (tls.rejectUnauthorized === false) {
    // Tests only: any certificate, for any name.
    verify.rejectUnauthorized = false;
    verify.checkServerIdentity = () => undefined;
  }
  return credentials.createSsl(toBuffer(tls.ca), toBuffer(tls.key), toBuffer(tls.cert), verify);
}

/**
 * A grpc-js client (one channel, one HTTP/2 connection of its own, re-opened as needed) to the
 * server at `host:port`, as @checkpointd/client's transport uses it.
 */
export function createGrpcJsClient(options: GrpcJsClientOptions): Client {
  const channelOptions: ChannelOptions = {
    // Its own connection, not one shared with other clients of the same address in this process.
    "grpc.use_local_subchannel_pool": 1,
    "grpc.keepalive_time_ms": options.keepAliveMs,
    "grpc.keepalive_timeout_ms": 10_000,
    // No client-side size limit either way (grpc-js would refuse replies over 4 MiB): the server
    // enforces its own (--max-message-bytes, 16 MiB by default), as with the Connect transport before.
    "grpc.max_receive_message_length": -1,
    "grpc.max_send_message_length": -1,
    // Reconnect soon after the server comes back (grpc-js's default backoff grows to 2 minutes);
    // calls fail fast with UNAVAILABLE meanwhile, and the client's own retry policy paces them.
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 2_000,
    // A 1 MiB HTTP/2 receive window (65,535 B by default): a Batch's answer (32 tuples of a few KB)
    // then arrives without the server waiting for WINDOW_UPDATEs from a client busy decoding the last one.
    "grpc-node.flow_control_window": 1 << 20,
    // No channelz (per-call counters and timestamps nobody reads).
    "grpc.enable_channelz": 0,
  };
  if (options.tls !== false && options.tls !== true && options.tls.servername !== undefined) {
    channelOptions["grpc.ssl_target_name_override"] = options.tls.servername;
  }
  const target = options.host.includes(":") ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
  return new Client(target, channelCredentials(options.tls), channelOptions);
}
