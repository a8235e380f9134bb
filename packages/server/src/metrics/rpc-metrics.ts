import type { Registry } from "prom-client";

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

/**
 * One method on one transport. Plain numbers, read by the registry at each
 * scrape: a call costs a few increments and one bucket search, no label
 * hashing and no allocation.
 */
export interface MethodInstruments {
  started(): void;
  received(): void;
  sent(): void;
  /** The call ended with this gRPC code after this many seconds. */
  handled(code: number, seconds: number): void;
}

export interface RpcMetrics {
  /** The instruments of one method on one transport; cached, so call it once per method and transport. */
  method(transport: RpcTransport, service: string, method: string, type: RpcType): MethodInstruments;
}

/** go-grpc-prometheus's default buckets, in seconds. */
export const handlingBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface MethodState {
  labels: Record<string, string>;
  started: number;
  received: number;
  sent: number;
  /** By gRPC code. */
  handled: number[];
  /** Per bucket (not cumulative); the last one is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric the registry reads through get(), as it reads its own (prom-client's Metric shape). */
function register(registry: Registry, name: string, help: string, type: "counter" | "histogram", values: () => MetricValue[]) {
  const get = async () => ({ name, help, type, aggregator: "sum" as const, values: values() });
  registry.registerMetric({ name, help, type, aggregator: "sum", get } as unknown as Parameters<Registry["registerMetric"]>[0]);
}

/** The go-grpc-prometheus server metrics, with a `transport` label added. */
export function createRpcMetrics(registry: Registry): RpcMetrics {
  const states: MethodState[] = [];
  const perMethod = (pick: (s: MethodState) => number) => () => states.map((s) => ({ labels: s.labels, value: pick(s) }));
  register(
    registry,
    "grpc_server_started_total",
    "Total number of RPCs started on the server.",
    "counter",
    perMethod((s) => s.started),
  );
  register(
    registry,
    "grpc_server_handled_total",
    "Total number of RPCs completed on the server, regardless of success or failure.",
    "counter",
    () =>
      states.flatMap((s) =>
        s.handled.flatMap((value, code) =>
          value === 0 ? [] : [{ labels: { ...s.labels, grpc_code: grpcCodeNames[code] ?? "Unknown" }, value }],
        ),
      ),
  );
  register(
    registry,
    "grpc_server_msg_received_total",
    "Total number of RPC stream messages received on the server.",
    "counter",
    perMethod((s) => s.received),
  );
  register(
    registry,
    "grpc_server_msg_sent_total",
    "Total number of gRPC stream messages sent by the server.",
    "counter",
    perMethod((s) => s.sent),
  );
  const histogram = "grpc_server_handling_seconds";
  register(
    registry,
    histogram,
    "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.",
    "histogram",
    () =>
      states.flatMap((s) => {
        let cumulative = 0;
        const buckets = s.buckets.map((n, i) => {
          cumulative += n;
          return {
            labels: { ...s.labels, le: i < handlingBuckets.length ? handlingBuckets[i]! : "+Inf" },
            value: cumulative,
            metricName: `${histogram}_bucket`,
          };
        });
        return [
          ...buckets,
          { labels: s.labels, value: s.sum, metricName: `${histogram}_sum` },
          { labels: s.labels, value: s.count, metricName: `${histogram}_count` },
        ];
      }),
  );
  const cache = new Map<string, MethodInstruments>();
  return {
    method(transport, service, method, type) {
      const key = `${transport} ${service}/${method}`;
      const known = cache.get(key);
      if (known !== undefined) return known;
      const state: MethodState = {
        labels: { grpc_type: type, grpc_service: service, grpc_method: method, transport },
        started: 0,
        received: 0,
        sent: 0,
        handled: grpcCodeNames.map(() => 0),
        buckets: [...handlingBuckets.map(() => 0), 0],
        sum: 0,
        count: 0,
      };
      states.push(state);
      const instruments: MethodInstruments = {
        started: () => void state.started++,
        received: () => void state.received++,
        sent: () => void state.sent++,
        handled(code, seconds) {
          state.handled[code < state.handled.length ? code : 2]!++;
          let i = 0;
          while (i < handlingBuckets.length && seconds > handlingBuckets[i]!) i++;
          state.buckets[i]!++;
          state.sum += seconds;
          state.count++;
        },
      };
      cache.set(key, instruments);
      return instruments;
    },
  };
}
