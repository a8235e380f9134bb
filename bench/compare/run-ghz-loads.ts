import { toJson, type JsonObject } from "@bufbuild/protobuf";
import {
  CheckpointService,
  PutRequestSchema,
  type BatchRequest,
  type PutRequest,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { Interceptor } from "@connectrpc/connect";
import { runGhz, type GhzResult } from "../transport/run-ghz.js";

export type GhzCase = "GetTuple latest (checkpointd, L1 hit)" | "GetTuple (bare echo stub)" | "Put (checkpointd)";

export interface GhzLoadRow {
  round: number;
  case: GhzCase;
  /** In flight: the plan's (64), or 1 for the floor at c=1 (the server stack's own latency, without a Node client). */
  concurrency: number;
  result: GhzResult;
}

export interface GhzLoadOptions {
  round: number;
  checkpointdPort: number;
  echoPort: number;
  historyThreadId: string;
  /** A Put exactly as CheckpointdSaver sent it (see capturePutRequests), as proto JSON. */
  putRequest: JsonObject;
  concurrency: number;
  getTupleRequests: number;
  putRequests: number;
  maxSeconds: number;
  log: (message: string) => void;
}

/** A Connect interceptor that keeps the last PutRequest a client sent (alone or in a Batch), to replay it with ghz. */
export function capturePutRequests(): { interceptor: Interceptor; last(): JsonObject | undefined } {
  let last: PutRequest | undefined;
  return {
    interceptor: (next) => async (req) => {
      if (req.stream) return next(req);
      if (req.method.name === CheckpointService.method.put.name) last = req.message as PutRequest;
      if (req.method.name === CheckpointService.method.batch.name) {
        for (const { call } of (req.message as BatchRequest).calls) if (call.case === "put") last = call.value;
      }
      return next(req);
    },
    last: () => (last === undefined ? undefined : (toJson(PutRequestSchema, last) as JsonObject)),
  };
}

/**
 * Independent load: ghz (its own process, one HTTP/2 connection, `--cpus 1`,
 * checkpointd's schema through server reflection) against checkpointd's GetTuple (the
 * history's latest: an L1 hit), the echo stub's GetTuple, and checkpointd's
 * Put. Each Put goes to a fresh thread (`{{.RequestNumber}}` in the thread
 * id), carrying what CheckpointdSaver sends for one step: one changed channel.
 * Every run is bounded by its request count and by maxSeconds.
 */
export async function runGhzLoads(options: GhzLoadOptions): Promise<GhzLoadRow[]> {
  const { round, concurrency, maxSeconds } = options;
  const call = (method: string) => `${CheckpointService.typeName}/${method}`;
  const putData = {
    ...options.putRequest,
    config: { threadId: `ghz-put-r${round}-{{.RequestNumber}}`, checkpointNs: "" },
  };
  // The echo stub serves no reflection: ghz reads the repository's protos for it.
  const wide: { case: GhzCase; port: number; method: string; data: unknown; requests: number; reflection?: boolean }[] = [
    {
      case: "GetTuple latest (checkpointd, L1 hit)",
      port: options.checkpointdPort,
      method: "GetTuple",
      data: { config: { threadId: options.historyThreadId } },
      requests: options.getTupleRequests,
      reflection: true,
    },
    {
      case: "GetTuple (bare echo stub)",
      port: options.echoPort,
      method: "GetTuple",
      data: { config: { threadId: "bench" } },
      requests: options.getTupleRequests,
    },
    {
      case: "Put (checkpointd)",
      port: options.checkpointdPort,
      method: "Put",
      data: putData,
      requests: options.putRequests,
      reflection: true,
    },
  ];
  // The same calls one at a time (c=1, a tenth of the requests): the floor a non-Node client sees.
  const cases = [
    ...wide.map((c) => ({ ...c, concurrency })),
    ...wide.map((c) => ({
      ...c,
      concurrency: 1,
      requests: Math.max(1, Math.round(c.requests / 10)),
      ...(c.method === "Put"
        ? { data: { ...putData, config: { threadId: `ghz-put1-r${round}-{{.RequestNumber}}`, checkpointNs: "" } } }
        : {}),
    })),
  ];
  const rows: GhzLoadRow[] = [];
  for (const c of round % 2 === 0 ? [...cases].reverse() : cases) {
    const result = await runGhz({
      target: `127.0.0.1:${c.port}`,
      call: call(c.method),
      data: c.data,
      concurrency: c.concurrency,
      requests: c.requests,
      maxDurationSeconds: maxSeconds,
      cpus: 1,
      reflection: c.reflection === true,
    });
    options.log(
      `[round ${round}] ghz ${c.case} c=${c.concurrency} n=${result.count}: ${result.rps.toFixed(0)} req/s, ` +
        `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ${result.errors} errors`,
    );
    if (result.errors > 0) options.log(`ghz errors: ${JSON.stringify(result.errorDistribution)}`);
    rows.push({ round, case: c.case, concurrency: c.concurrency, result });
  }
  return rows;
}
