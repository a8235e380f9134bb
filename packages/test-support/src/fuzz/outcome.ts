import { constants as h2 } from "node:http2";
import { Code } from "@connectrpc/connect";
import { REQUEST_TIMEOUT_MS } from "./fuzz-limits.js";

export const codeNames: Record<number, string> = Object.fromEntries(
  Object.entries(Code)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => [v as number, k]),
);
codeNames[0] = "OK";
export const connectCodes: Record<string, number> = {
  ok: 0,
  canceled: 1,
  cancelled: 1,
  unknown: 2,
  invalid_argument: 3,
  deadline_exceeded: 4,
  not_found: 5,
  already_exists: 6,
  permission_denied: 7,
  resource_exhausted: 8,
  failed_precondition: 9,
  aborted: 10,
  out_of_range: 11,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  data_loss: 15,
  unauthenticated: 16,
};

export interface Outcome {
  /** A gRPC / Connect status code, when the answer carried one. */
  code?: number | undefined;
  /** HTTP status, when the answer was rejected at the HTTP level (or carried no code). */
  http?: number | undefined;
  /** Something went wrong below both: reset stream, socket error, timeout. */
  transport?: string | undefined;
  detail?: string | undefined;
}

export interface Probe {
  kind: string;
  what: string;
  run(): Promise<Outcome>;
  /** A request HTTP/2 itself forbids (`:path *` on POST): a reset stream is the right answer. */
  malformedHttp2?: boolean;
  /** The request, for the report of a fault. */
  details?: () => string;
  /** 10k-entry maps or 70k ids: sent one at a time (see runProbes). */
  heavy?: boolean;
}

export const abbreviate = (value: unknown) =>
  JSON.stringify(value, (_, v: unknown) =>
    typeof v === "bigint"
      ? `${v}n`
      : typeof v === "string" && v.length > 40
        ? `${v.slice(0, 20)}…(${v.length} chars)`
        : v instanceof Uint8Array
          ? `<${v.length} bytes>`
          : v,
  ).slice(0, 400);

export const describeOutcome = (o: Outcome) =>
  o.code !== undefined
    ? `${o.code} ${codeNames[o.code] ?? "?"}`
    : o.http !== undefined
      ? `HTTP ${o.http}`
      : `transport ${o.transport ?? "?"}`;

/**
 * A client mistake must not look like a server fault: no INTERNAL or UNKNOWN,
 * and no UNAVAILABLE either (the database is up throughout, and UNAVAILABLE
 * tells a client to retry what will fail again).
 */
export function faultOf(o: Outcome, ms: number, probe: Probe): string | undefined {
  if (ms >= REQUEST_TIMEOUT_MS) return `took ${Math.round(ms)} ms`;
  if (probe.malformedHttp2 === true && o.transport === `rst ${h2.NGHTTP2_PROTOCOL_ERROR}`) return undefined;
  if (o.code === Code.Internal || o.code === Code.Unknown || o.code === Code.Unavailable)
    return `answered ${describeOutcome(o)}: ${o.detail ?? ""}`;
  if (o.code === undefined && o.http === undefined) return `no answer (${o.transport ?? "?"}): ${o.detail ?? ""}`;
  if (o.code === undefined && o.http !== undefined && o.http >= 500) return `HTTP ${o.http} without a status: ${o.detail ?? ""}`;
  return undefined;
}
