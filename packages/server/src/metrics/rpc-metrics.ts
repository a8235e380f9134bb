import { Counter, Histogram, type Registry } from "prom-client";

/** The transports a call can arrive on: grpc-js's port, and the Connect port's three protocols. */
export type RpcTransport = "grpc" | "connect" | "grpc-web";
/** go-grpc-prometheus's grpc_type values. */
export type RpcType = "unary" | "client_stream" | "server_stream" | "bidi_stream";

/** gRPC's code names, indexed by number: the grpc_code label. */
export const grpcCodeNames = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
] as const;

/** One method on one transport, its label children bound once (nothing is allocated per call). */
export interface MethodInstruments {
  started: Counter.Internal;
  received: Counter.Internal;
  sent: Counter.Internal;
  /** The handled_total child for a code, bound on first use. */
  handled(code: number): Counter.Internal;
  seconds: Histogram.Internal<string>;
}

export interface RpcMetrics {
  /** The instruments of one method on one transport; cached, so call it once per method and transport. */
  method(transport: RpcTransport, service: string, method: string, type: RpcType): MethodInstruments;
}

// go-grpc-prometheus's default buckets, in seconds.
const handlingBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The go-grpc-prometheus server metrics, with a `transport` label added. */
export function createRpcMetrics(registry: Registry): RpcMetrics {
  const labelNames = ["grpc_type", "grpc_service", "grpc_method", "transport"] as const;
  const started = new Counter({
    name: "grpc_server_started_total",
    help: "Total number of RPCs started on the server.",
    labelNames,
    registers: [registry],
  });
  const handled = new Counter({
    name: "grpc_server_handled_total",
    help: "Total number of RPCs completed on the server, regardless of success or failure.",
    labelNames: [...labelNames, "grpc_code"],
    registers: [registry],
  });
  const received = new Counter({
    name: "grpc_server_msg_received_total",
    help: "Total number of RPC stream messages received on the server.",
    labelNames,
    registers: [registry],
  });
  const sent = new Counter({
    name: "grpc_server_msg_sent_total",
    help: "Total number of gRPC stream messages sent by the server.",
    labelNames,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: "grpc_server_handling_seconds",
    help: "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.",
    labelNames,
    buckets: handlingBuckets,
    registers: [registry],
  });
  const cache = new Map<string, MethodInstruments>();
  return {
    method(transport, service, method, type) {
      const key = `${transport} ${service}/${method}`;
      const known = cache.get(key);
      if (known !== undefined) return known;
      const values = [type, service, method, transport] as const;
      const byCode: Counter.Internal[] = [];
      const instruments: MethodInstruments = {
        started: started.labels(...values),
        received: received.labels(...values),
        sent: sent.labels(...values),
        handled: (code) => (byCode[code] ??= handled.labels(...values, grpcCodeNames[code] ?? "Unknown")),
        seconds: seconds.labels(...values),
      };
      cache.set(key, instruments);
      return instruments;
    },
  };
}
