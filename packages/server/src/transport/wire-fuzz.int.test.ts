import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect as connectHttp2, constants as h2, type ClientHttp2Session, type OutgoingHttpHeaders } from "node:http2";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { create, toBinary, type JsonObject, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client as ConnectClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { Client as GrpcClient, credentials, Metadata, type ServiceError as GrpcServiceError } from "@grpc/grpc-js";
import {
  CheckpointService,
  CopyThreadRequestSchema,
  DeleteForRunsRequestSchema,
  DeleteThreadRequestSchema,
  GetTupleRequestSchema,
  ListRequestSchema,
  PruneRequestSchema,
  PruneStrategy,
  PutRequestSchema,
  PutWritesRequestSchema,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { ChannelVersionSchema, TypedValueSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { createDatabase, spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";

/**
 * Wire fuzzing against a real `checkpointd serve` process on PostgreSQL: 2,000
 * hostile requests (raw HTTP/2 gRPC frames, broken framing, wrong content types,
 * methods and paths, valid-shaped messages with hostile values sent by real
 * clients, 10k-entry maps, deep Structs, junk for the Connect port). Client
 * mistakes must never come back as INTERNAL, UNKNOWN or UNAVAILABLE, no answer
 * may take 10 s, the process must survive, ordinary calls must still work, and
 * its memory must settle.
 *
 * Each request is generated from (seed, index) alone, so a run's requests are
 * the same whatever the scheduling: reproduce one with WIRE_FUZZ_SEED=<the
 * printed seed>. A fault names the request's index, kind and content.
 */

const REQUESTS = 2_000;
const WARMUP_REQUESTS = 100;
const CONCURRENCY = 12;
// A hang detector: a List of every thread after the 10k-entry probes streams tens of MB and takes ~10 s here.
const REQUEST_TIMEOUT_MS = 30_000;
// Bounds, not targets: on a loaded 2-core machine the 2,000 probes need far longer than when idle.
const RUN_BUDGET_MS = 100_000;
const MAX_RSS_GROWTH_MB = 100;
const MiB = 1024 * 1024;
const SERVICE = "checkpointd.v1.CheckpointService";

// ---------------------------------------------------------------- seeded PRNG

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

/** Every request gets its own generator, so its content does not depend on scheduling. */
const rngFor = (seed: number, index: number) => new Rng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);

// ---------------------------------------------------------------- outcomes

const codeNames: Record<number, string> = Object.fromEntries(
  Object.entries(Code)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => [v as number, k]),
);
codeNames[0] = "OK";
const connectCodes: Record<string, number> = {
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

interface Outcome {
  /** A gRPC / Connect status code, when the answer carried one. */
  code?: number | undefined;
  /** HTTP status, when the answer was rejected at the HTTP level (or carried no code). */
  http?: number | undefined;
  /** Something went wrong below both: reset stream, socket error, timeout. */
  transport?: string | undefined;
  detail?: string | undefined;
}

interface Probe {
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

const abbreviate = (value: unknown) =>
  JSON.stringify(value, (_, v: unknown) =>
    typeof v === "bigint"
      ? `${v}n`
      : typeof v === "string" && v.length > 40
        ? `${v.slice(0, 20)}…(${v.length} chars)`
        : v instanceof Uint8Array
          ? `<${v.length} bytes>`
          : v,
  ).slice(0, 400);

const describeOutcome = (o: Outcome) =>
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
function faultOf(o: Outcome, ms: number, probe: Probe): string | undefined {
  if (ms >= REQUEST_TIMEOUT_MS) return `took ${Math.round(ms)} ms`;
  if (probe.malformedHttp2 === true && o.transport === `rst ${h2.NGHTTP2_PROTOCOL_ERROR}`) return undefined;
  if (o.code === Code.Internal || o.code === Code.Unknown || o.code === Code.Unavailable)
    return `answered ${describeOutcome(o)}: ${o.detail ?? ""}`;
  if (o.code === undefined && o.http === undefined) return `no answer (${o.transport ?? "?"}): ${o.detail ?? ""}`;
  if (o.code === undefined && o.http !== undefined && o.http >= 500) return `HTTP ${o.http} without a status: ${o.detail ?? ""}`;
  return undefined;
}

// ---------------------------------------------------------------- raw HTTP/2

/** A few h2c connections, reopened when the server closes one. */
class H2Pool {
  private readonly sessions: (ClientHttp2Session | undefined)[];
  constructor(
    private readonly origin: string,
    size: number,
  ) {
    this.sessions = new Array<ClientHttp2Session | undefined>(size);
  }
  get(slot: number, fresh = false): ClientHttp2Session {
    const i = slot % this.sessions.length;
    let session = this.sessions[i];
    if (fresh || session === undefined || session.closed || session.destroyed) {
      session?.destroy();
      session = connectHttp2(this.origin, { maxSessionMemory: 64 });
      session.on("error", () => undefined);
      session.on("goaway", () => {
        if (this.sessions[i] === session) this.sessions[i] = undefined;
      });
      this.sessions[i] = session;
    }
    return session;
  }
  close(): void {
    for (const session of this.sessions) session?.destroy();
    this.sessions.fill(undefined);
  }
}

interface H2Request {
  path: string;
  method?: string;
  /** undefined: no content-type header at all. */
  contentType?: string | undefined;
  extraHeaders?: OutgoingHttpHeaders;
  /** undefined: headers only (END_STREAM on HEADERS). */
  body?: Buffer[] | undefined;
}

/**
 * One request on a raw HTTP/2 stream. The answer is complete when the server
 * ends its side (trailers, a trailers-only response, or an HTTP rejection);
 * then the stream is cancelled as real clients do, since a server may answer
 * before it has read the whole body (connect-es does) and leave the rest unread.
 */
function h2Call(pool: H2Pool, slot: number, request: H2Request): Promise<Outcome> {
  const headers: OutgoingHttpHeaders = {
    ":method": request.method ?? "POST",
    ":path": request.path,
    te: "trailers",
    ...request.extraHeaders,
  };
  if (request.contentType !== undefined) headers["content-type"] = request.contentType;
  let session = pool.get(slot);
  return new Promise<Outcome>((resolve) => {
    let http: number | undefined;
    let grpcStatus: string | undefined;
    let grpcMessage: string | undefined;
    let streamError: string | undefined;
    let settled = false;
    let stream: ReturnType<ClientHttp2Session["request"]>;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!stream.closed) stream.close(h2.NGHTTP2_CANCEL);
      resolve(outcome);
    };
    const answered = () => {
      if (grpcStatus !== undefined) finish({ code: Number(grpcStatus), http, detail: grpcMessage ?? "" });
      else if (http !== undefined) finish({ http, detail: streamError ?? "" });
      else finish({ transport: `rst ${stream.rstCode}`, detail: streamError ?? "" });
    };
    const fromHeaders = (h: Record<string, unknown>) => {
      if (h["grpc-status"] !== undefined) grpcStatus = String(h["grpc-status"]);
      if (h["grpc-message"] !== undefined) grpcMessage = decodeURIComponent(String(h["grpc-message"]));
    };
    try {
      stream = session.request(headers, { endStream: request.body === undefined });
    } catch {
      // The connection was closing (GOAWAY): retry once on a fresh one.
      session = pool.get(slot, true);
      stream = session.request(headers, { endStream: request.body === undefined });
    }
    const timer = setTimeout(
      () => finish({ transport: "timeout", detail: `no answer after ${REQUEST_TIMEOUT_MS} ms` }),
      REQUEST_TIMEOUT_MS,
    );
    stream.on("response", (h) => {
      http = Number(h[":status"]);
      fromHeaders(h);
    });
    stream.on("trailers", (h) => fromHeaders(h));
    stream.on("data", () => undefined);
    stream.on("error", (error: NodeJS.ErrnoException) => (streamError = error.code ?? error.message));
    stream.on("end", answered);
    stream.on("close", answered);
    if (request.body !== undefined) {
      for (const chunk of request.body) stream.write(chunk);
      stream.end();
    }
  });
}

/** One gRPC message: compressed flag, 4-byte big-endian length, payload. */
function frame(payload: Buffer, { compressed = false, declaredLength = payload.length } = {}): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(compressed ? 1 : 0, 0);
  header.writeUInt32BE(declaredLength >>> 0, 1);
  return Buffer.concat([header, payload]);
}

// ---------------------------------------------------------------- hostile values

const methods = [
  { name: "Put", local: "put", schema: PutRequestSchema },
  { name: "PutWrites", local: "putWrites", schema: PutWritesRequestSchema },
  { name: "GetTuple", local: "getTuple", schema: GetTupleRequestSchema },
  { name: "List", local: "list", schema: ListRequestSchema },
  { name: "DeleteThread", local: "deleteThread", schema: DeleteThreadRequestSchema },
  { name: "CopyThread", local: "copyThread", schema: CopyThreadRequestSchema },
  { name: "DeleteForRuns", local: "deleteForRuns", schema: DeleteForRunsRequestSchema },
  { name: "Prune", local: "prune", schema: PruneRequestSchema },
] as const;
type Method = (typeof methods)[number];

const specialChannels = ["__error__", "__interrupt__", "__scheduled__", "__resume__", "__pregel_tasks", "__no_writes__"];

/** Short hostile text: empty, NUL, control and odd Unicode, injection-looking, or an ordinary id. */
function shortString(r: Rng): string {
  switch (r.int(0, 9)) {
    case 0:
      return "";
    case 1:
      return r.pick(["\0", "a\0b", "t\0", "\0\0\0\0", `n${r.int(0, 9)}\u0000x`]);
    case 2:
      return r.pick(["\ud800", "\udfff", "😀", "\u202e\u0301", "\uffff", "\u{10ffff}", "a\u2028b", "\u0085"]);
    case 3:
      return r.pick([" ", "\n", "\t\r", "'", '"', "\\", "%00", "\\u0000", "'); drop table checkpoints; --", "../../etc/passwd", "$1", "?"]);
    case 4:
      return String.fromCharCode(...Array.from({ length: r.int(1, 40) }, () => r.int(1, 0xd7ff)));
    default:
      return r.chance(0.1) ? `big${r.int(0, 1)}` : `t${r.int(0, 30)}`;
  }
}

/** shortString, or sometimes huge (up to 1 MB, compressible or not). */
function hostileString(r: Rng): string {
  if (!r.chance(0.08)) return shortString(r);
  const size = r.pick([3_000, 10_000, 100_000, 1_000_000]);
  return r.chance(0.5) ? "x".repeat(size) : r.bytes(size / 2).toString("hex");
}

function hostileVersion(r: Rng): MessageInitShape<typeof ChannelVersionSchema> {
  switch (r.int(0, 4)) {
    case 0:
      return {}; // no oneof set
    case 1:
      return { kind: { case: "intValue", value: r.pick([0n, -1n, 1n, -(2n ** 63n), 2n ** 63n - 1n, BigInt(r.int(0, 1e6))]) } };
    case 2:
      return { kind: { case: "floatValue", value: r.pick([0, -0, 0.5, NaN, Infinity, -Infinity, 1e308, 5e-324]) } };
    default:
      return { kind: { case: "stringValue", value: shortString(r) } };
  }
}

function hostileValue(r: Rng): MessageInitShape<typeof TypedValueSchema> {
  return { type: shortString(r), data: r.bytes(r.int(0, 64)) };
}

function mapOf<T>(r: Rng, size: number, make: () => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (let i = 0; i < size; i++) out[size > 50 ? `k${i}` : r.chance(0.2) ? shortString(r) : `c${r.int(0, 20)}`] = make();
  return out;
}

/** A JSON object for metadata/filter: odd keys and values, sometimes deep, sometimes 10k keys. */
function hostileStruct(r: Rng, big: boolean, depth = r.chance(0.1) ? r.int(20, 120) : r.int(0, 3)): JsonObject {
  if (big) {
    const wide: JsonObject = {};
    for (let i = 0; i < 10_000; i++) wide[`k${i}`] = i % 3 === 0 ? `v${i}` : i;
    return wide;
  }
  const scalar = (): JsonValue =>
    r.pick<() => JsonValue>([
      () => null,
      () => r.chance(0.5),
      () => r.pick([0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity]),
      () => shortString(r),
      () => `run-${r.int(0, 5)}`,
    ])();
  const build = (d: number): JsonValue => {
    if (d <= 0) return scalar();
    if (r.chance(0.3)) return [build(d - 1)];
    return { [r.chance(0.8) ? "a" : shortString(r)]: build(d - 1) };
  };
  const out: JsonObject = {};
  const n = r.int(0, 4);
  for (let i = 0; i < n; i++) out[r.chance(0.3) ? shortString(r) : r.pick(["run_id", "step", "source", "parents", "writes"])] = scalar();
  if (depth > 0) out.nested = build(depth);
  return out;
}

function hostileConfig(r: Rng) {
  if (r.chance(0.08)) return undefined;
  return {
    threadId: hostileString(r),
    ...(r.chance(0.5) ? { checkpointNs: r.chance(0.5) ? "" : hostileString(r) } : {}),
    checkpointId: r.chance(0.4) ? "" : hostileString(r),
  };
}

/** A valid-shaped request for `method` whose field values are hostile. */
function hostileRequest(r: Rng, method: Method, flags: { heavy?: boolean } = {}): MessageInitShape<Method["schema"]> {
  // At most one huge collection per request.
  const big = r.chance(0.05) ? r.int(0, 5) : -1;
  flags.heavy = big >= 0;
  const size = () => r.pick([0, 0, 1, 2, 3, 5]);
  switch (method.local) {
    case "put":
      return {
        config: hostileConfig(r),
        checkpoint: r.chance(0.08)
          ? undefined
          : {
              v: r.pick([0, 1, 4, -1, 2 ** 31 - 1, -(2 ** 31)]),
              id: r.chance(0.6) ? `c${r.int(0, 50)}` : hostileString(r),
              ts: r.chance(0.5) ? new Date(0).toISOString() : shortString(r),
              channelValues: mapOf(r, big === 0 ? 10_000 : size(), () => hostileValue(r)),
              channelVersions: mapOf(r, big === 1 ? 10_000 : size(), () => hostileVersion(r)),
              versionsSeen: mapOf(r, big === 2 ? 10_000 : size(), () => ({ versions: mapOf(r, size(), () => hostileVersion(r)) })),
              updatedChannels: Array.from({ length: size() }, () => shortString(r)),
              pendingSends: Array.from({ length: size() }, () => hostileValue(r)),
              extra: mapOf(r, big === 3 ? 10_000 : size(), () => hostileValue(r)),
            },
        metadata: hostileStruct(r, big === 4),
        newVersions: mapOf(r, big === 5 ? 10_000 : size(), () => hostileVersion(r)),
      };
    case "putWrites": {
      const taskId = r.chance(0.8) ? `task${r.int(0, 5)}` : shortString(r);
      return {
        config: hostileConfig(r),
        taskId,
        taskPath: shortString(r),
        writes: Array.from({ length: big >= 0 ? 10_000 : size() }, () => ({
          taskId: r.chance(0.8) ? "" : r.chance(0.5) ? taskId : shortString(r),
          channel: r.chance(0.4) ? r.pick(specialChannels) : shortString(r),
          value: r.chance(0.1) ? undefined : hostileValue(r),
          taskPath: shortString(r),
        })),
      };
    }
    case "getTuple":
      return { config: hostileConfig(r) };
    case "list":
      return {
        config: hostileConfig(r),
        filter: r.chance(0.5) ? hostileStruct(r, big >= 0) : undefined,
        before: r.chance(0.3) ? { checkpointId: hostileString(r) } : undefined,
        limit: r.pick([undefined, -1, -(2 ** 31), 0, 1, 3, 2 ** 31 - 1]),
      };
    case "deleteThread":
      return { threadId: hostileString(r) };
    case "copyThread": {
      const source = hostileString(r);
      return { sourceThreadId: source, targetThreadId: r.chance(0.2) ? source : hostileString(r) };
    }
    case "deleteForRuns":
      return { runIds: Array.from({ length: size() }, () => shortString(r)) };
    case "prune":
      return { threadIds: Array.from({ length: size() }, () => shortString(r)), strategy: r.pick([0, 1, 2, 3, 99, -1, 2 ** 31 - 1]) };
  }
}

/**
 * A request that is valid but huge: 10k-entry maps, 10k writes, 70k ids. Puts
 * go to three checkpoint ids of two "big" threads (so at most six such
 * checkpoints exist), which the reads then load back.
 */
function bigRequest(r: Rng): { method: Method; request: MessageInitShape<Method["schema"]> } {
  const method = methods[r.pick([0, 0, 0, 1, 2, 2, 3, 3, 5, 6, 7])]!;
  const threadId = `big${r.int(0, 1)}`;
  const tenK = <T>(make: (i: number) => T) => Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`channel-${i}`, make(i)]));
  const step = r.int(1, 1_000);
  switch (method.local) {
    case "put": {
      const version = { kind: { case: "intValue" as const, value: BigInt(step) } };
      return {
        method,
        request: {
          config: { threadId },
          checkpoint: {
            v: 4,
            id: `1ef-big-${r.int(0, 2)}`,
            ts: new Date().toISOString(),
            channelValues: tenK((i) => ({ type: "json", data: Buffer.from(String(i)) })),
            channelVersions: tenK(() => version),
            versionsSeen: r.chance(0.3) ? tenK(() => ({ versions: { a: version } })) : {},
          },
          metadata: r.chance(0.3) ? hostileStruct(r, true) : { step, run_id: `run-${step}` },
          newVersions: tenK(() => version),
        },
      };
    }
    case "putWrites":
      return {
        method,
        request: {
          config: { threadId, checkpointId: `1ef-big-${r.int(0, 2)}` },
          taskId: "task",
          writes: Array.from({ length: 10_000 }, (_, i) => ({ channel: `channel-${i}`, value: { type: "json", data: Buffer.from("1") } })),
        },
      };
    case "getTuple":
      return { method, request: { config: { threadId } } };
    case "list":
      return {
        method,
        request: {
          config: r.chance(0.7) ? { threadId } : undefined,
          limit: r.pick([undefined, 2, 150]),
          filter: r.chance(0.2) ? hostileStruct(r, true) : undefined,
        },
      };
    case "copyThread":
      return { method, request: { sourceThreadId: threadId, targetThreadId: threadId === "big0" ? "big1" : "big0" } };
    case "deleteForRuns":
      // run-1 ... run-1000 are the big checkpoints' run ids.
      return { method, request: { runIds: Array.from({ length: r.pick([10_000, 70_000]) }, (_, i) => `run-${i}`) } };
    default:
      return r.chance(0.5)
        ? { method, request: { threadIds: ["big0", "big1"], strategy: PruneStrategy.KEEP_LATEST } }
        : {
            method,
            request: {
              threadIds: Array.from({ length: r.pick([10_000, 70_000]) }, (_, i) => `unknown-thread-${i}`),
              strategy: r.pick([0, 1, 2]),
            },
          };
  }
}

/** A valid encoding of some request, for mutation. */
function sampleBytes(r: Rng, method: Method): Buffer {
  return Buffer.from(toBinary(method.schema, create(method.schema, hostileRequest(r, method) as never)));
}

/** Random bytes, or a valid encoding with bytes flipped, cut, or spliced. */
function junkPayload(r: Rng, method: Method): Buffer {
  if (r.chance(0.5)) return r.bytes(r.pick([0, 1, 2, 5, 17, 64, 300, 4096, 65_536]));
  const bytes = sampleBytes(r, method);
  if (bytes.length > 0) {
    const flips = r.int(1, 8);
    for (let i = 0; i < flips; i++) bytes[r.int(0, bytes.length - 1)] = r.int(0, 255);
  }
  switch (r.int(0, 2)) {
    case 0:
      return bytes.subarray(0, r.int(0, bytes.length));
    case 1:
      return Buffer.concat([bytes, r.bytes(r.int(1, 32))]);
    default:
      return bytes;
  }
}

// Protobuf wire helpers for messages the typed clients refuse to build (very deep Structs).
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const lenField = (field: number, length: number) => [(field << 3) | 2, ...varint(length)];

/**
 * A google.protobuf.Struct `{"m": v}` where v nests `depth` levels of Struct
 * ({"a": ...}, Value.struct_value) or ListValue ([...], Value.list_value),
 * built outside-in so that it is linear in depth.
 */
function deepStruct(depth: number, useList: boolean): Buffer {
  const prefixes: number[][] = [];
  let size = 2; // innermost Value: null_value (field 1, varint 0)
  for (let i = 0; i < depth; i++) {
    if (useList) {
      const list = lenField(1, size); // ListValue.values
      size += list.length;
      const value = lenField(6, size); // Value.list_value
      size += value.length;
      prefixes.push([...value, ...list]);
    } else {
      const valueField = lenField(2, size); // entry.value
      const entrySize = 3 + valueField.length + size; // entry.key "a"
      const entry = lenField(1, entrySize); // Struct.fields
      const structSize = entry.length + entrySize;
      const value = lenField(5, structSize); // Value.struct_value
      size = value.length + structSize;
      prefixes.push([...value, ...entry, 0x0a, 0x01, 0x61, ...valueField]);
    }
  }
  const valueField = lenField(2, size);
  const entrySize = 3 + valueField.length + size;
  const head = [...lenField(1, entrySize), 0x0a, 0x01, 0x6d, ...valueField];
  const body = Buffer.from([...head, ...prefixes.reverse().flat(), 0x08, 0x00]);
  return body;
}

// ---------------------------------------------------------------- Connect port helpers

function envelope(flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(flags, 0);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** The code of a Connect, gRPC-Web or plain HTTP answer. */
async function httpCall(url: string, init: { method: string; headers: Record<string, string>; body?: Buffer | string }): Promise<Outcome> {
  let response: Response;
  let body: Buffer;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    body = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    const name = (error as Error).name;
    return { transport: name === "TimeoutError" ? "timeout" : name, detail: String((error as Error).message) };
  }
  const contentType = response.headers.get("content-type") ?? "";
  const grpcStatus = response.headers.get("grpc-status");
  if (grpcStatus !== null) return { code: Number(grpcStatus), http: response.status, detail: response.headers.get("grpc-message") ?? "" };
  if (contentType.startsWith("application/grpc-web")) {
    // Trailers in a frame with flag 0x80.
    for (let at = 0; at + 5 <= body.length;) {
      const flags = body.readUInt8(at);
      const length = body.readUInt32BE(at + 1);
      const payload = body.subarray(at + 5, at + 5 + length);
      if ((flags & 0x80) !== 0) {
        const status = /grpc-status:\s*(\d+)/i.exec(payload.toString());
        const message = /grpc-message:\s*(.*)/i.exec(payload.toString());
        if (status !== null) return { code: Number(status[1]), http: response.status, detail: message?.[1]?.trim() ?? "" };
      }
      at += 5 + length;
    }
    return { http: response.status, detail: "gRPC-Web answer without grpc-status" };
  }
  if (contentType.startsWith("application/connect+")) {
    // A stream: the end-of-stream envelope (flag 0x02) carries the error, if any.
    for (let at = 0; at + 5 <= body.length;) {
      const flags = body.readUInt8(at);
      const length = body.readUInt32BE(at + 1);
      if ((flags & 0x02) !== 0) {
        const end = JSON.parse(body.subarray(at + 5, at + 5 + length).toString()) as { error?: { code?: string; message?: string } };
        if (end.error === undefined) return { code: 0, http: response.status };
        return { code: connectCodes[end.error.code ?? ""] ?? -1, http: response.status, detail: end.error.message ?? "" };
      }
      at += 5 + length;
    }
    return { http: response.status, detail: "Connect stream without an end-of-stream message" };
  }
  if (contentType.startsWith("application/json") && response.status !== 200) {
    try {
      const error = JSON.parse(body.toString()) as { code?: string; message?: string };
      if (typeof error.code === "string")
        return { code: connectCodes[error.code] ?? -1, http: response.status, detail: error.message ?? "" };
    } catch {
      // not a Connect error body
    }
  }
  if (response.status === 200) return { code: 0, http: 200 };
  return { http: response.status, detail: body.toString().slice(0, 200) };
}

// ---------------------------------------------------------------- the probes

interface Targets {
  grpcPool: H2Pool;
  httpPool: H2Pool;
  httpBase: string;
  client: ConnectClient<typeof CheckpointService>;
  grpcJs: GrpcClient;
}

function grpcJsUnary(client: GrpcClient, method: string, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      `/${SERVICE}/${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      new Metadata(),
      { deadline: Date.now() + REQUEST_TIMEOUT_MS },
      (error: GrpcServiceError | null) => resolve(error === null ? { code: 0 } : { code: error.code, detail: error.details }),
    );
  });
}

function grpcJsList(client: GrpcClient, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const call = client.makeServerStreamRequest(
      `/${SERVICE}/List`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      new Metadata(),
      { deadline: Date.now() + REQUEST_TIMEOUT_MS },
    );
    call.on("data", () => undefined);
    call.on("error", () => undefined);
    call.on("status", (status: { code: number; details: string }) => resolve({ code: status.code, detail: status.details }));
  });
}

async function connectCall(client: ConnectClient<typeof CheckpointService>, method: Method, request: unknown): Promise<Outcome> {
  const options = { timeoutMs: REQUEST_TIMEOUT_MS };
  try {
    if (method.local === "list") {
      let received = 0;
      for await (const _ of client.list(request as never, options)) if (++received >= 100_000) break;
    } else {
      await (client[method.local] as (req: unknown, opts: unknown) => Promise<unknown>)(request, options);
    }
    return { code: 0 };
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, detail: e.rawMessage };
  }
}

const kinds = {
  /** Framed random / mutated bytes to every method, mostly on the gRPC port, some on the Connect port's h2c gRPC. */
  "random body": 640,
  "truncated frame": 100,
  "length > 16 MiB": 60,
  "compressed flag, no grpc-encoding": 100,
  "wrong content-type": 120,
  GET: 60,
  "unknown path": 80,
  "hostile values (client)": 440,
  "10k-entry maps, 70k ids (client)": 40,
  "deep Struct (grpc-js)": 60,
  "Connect port junk": 300,
} as const;
type Kind = keyof typeof kinds;

function probeFor(kind: Kind, r: Rng, index: number, t: Targets): Probe {
  const method = r.pick(methods);
  const path = `/${SERVICE}/${method.name}`;
  const slot = index;
  const grpc =
    (request: H2Request, pool: H2Pool = t.grpcPool) =>
    () =>
      h2Call(pool, slot, request);
  switch (kind) {
    case "random body": {
      const frames = Array.from({ length: r.chance(0.1) ? r.int(0, 3) : 1 }, () => frame(junkPayload(r, method)));
      const pool = r.chance(0.2) ? t.httpPool : t.grpcPool;
      // Sometimes split the body at random points across DATA frames.
      const body = Buffer.concat(frames);
      const cuts = r.chance(0.3) && body.length > 2 ? [r.int(1, body.length - 1)] : [];
      const chunks = cuts.length === 0 ? [body] : [body.subarray(0, cuts[0]), body.subarray(cuts[0])];
      return {
        kind,
        what: `${method.name} ${frames.length} frame(s), ${body.length} B${pool === t.httpPool ? " (http port)" : ""}`,
        run: grpc({ path, contentType: r.pick(["application/grpc", "application/grpc+proto"]), body: chunks }, pool),
        heavy: body.length > 256 * 1024,
      };
    }
    case "truncated frame": {
      const declared = r.pick([1, 10, 1_000, 65_536, 1_000_000, 16 * MiB]);
      const sent = r.bytes(r.int(0, Math.min(declared - 1, 2_000)));
      const body = [frame(sent, { declaredLength: declared })];
      // Sometimes only part of the 5-byte prefix itself.
      if (r.chance(0.2)) body[0] = body[0]!.subarray(0, r.int(1, 4));
      return {
        kind,
        what: `${method.name} declares ${declared} B, sends ${body[0]!.length - 5}`,
        run: grpc({ path, contentType: "application/grpc", body }),
      };
    }
    case "length > 16 MiB": {
      const declared = r.pick([16 * MiB + 1, 17 * MiB, 2 ** 31, 2 ** 32 - 1]);
      const body = [frame(r.bytes(r.int(0, 1024)), { declaredLength: declared })];
      return { kind, what: `${method.name} declares ${declared} B`, run: grpc({ path, contentType: "application/grpc", body }) };
    }
    case "compressed flag, no grpc-encoding": {
      const payload = r.chance(0.5) ? sampleBytes(r, method) : junkPayload(r, method);
      return {
        kind,
        what: `${method.name} compressed flag, ${payload.length} B`,
        run: grpc({ path, contentType: "application/grpc", body: [frame(payload, { compressed: true })] }),
        heavy: payload.length > 256 * 1024,
      };
    }
    case "wrong content-type": {
      const contentType = r.pick([
        "text/plain",
        "application/json",
        undefined,
        "",
        "application/x-www-form-urlencoded",
        "application/proto",
        "multipart/form-data; boundary=x",
      ]);
      const body = r.chance(0.5) ? [frame(sampleBytes(r, method))] : [Buffer.from('{"config":{"threadId":"t"}}')];
      return { kind, what: `${method.name} content-type ${JSON.stringify(contentType)}`, run: grpc({ path, contentType, body }) };
    }
    case "GET": {
      const withBody = r.chance(0.5);
      return {
        kind,
        what: `GET ${method.name}${withBody ? " with a body" : ""}`,
        run: grpc({
          path,
          method: "GET",
          contentType: r.chance(0.8) ? "application/grpc" : undefined,
          body: withBody ? [frame(sampleBytes(r, method))] : undefined,
        }),
      };
    }
    case "unknown path": {
      const unknown = r.pick([
        `/${SERVICE}/Nope`,
        `/${SERVICE}/put`,
        `/${SERVICE}/`,
        `/${SERVICE}`,
        "/checkpointd.v1.Other/Put",
        "/",
        "/grpc.health.v1.Health/Nope",
        `/${SERVICE}/Put/extra`,
        `/${SERVICE}/Put%00`,
        `/${"x".repeat(2_000)}`,
        "*",
      ]);
      return {
        kind,
        what: `path ${unknown.slice(0, 60)}`,
        run: grpc({ path: unknown, contentType: "application/grpc", body: [frame(sampleBytes(r, method))] }),
        malformedHttp2: unknown === "*",
      };
    }
    case "hostile values (client)": {
      const flags: { heavy?: boolean } = {};
      const request = hostileRequest(r, method, flags);
      return {
        kind,
        what: `${method.name} via @connectrpc/connect gRPC`,
        run: () => connectCall(t.client, method, request),
        details: () => abbreviate(request),
        heavy: flags.heavy === true,
      };
    }
    case "10k-entry maps, 70k ids (client)": {
      const { method: bigMethod, request } = bigRequest(r);
      return {
        kind,
        what: `${bigMethod.name} via @connectrpc/connect gRPC`,
        run: () => connectCall(t.client, bigMethod, request),
        details: () => abbreviate(request),
        heavy: true,
      };
    }
    case "deep Struct (grpc-js)": {
      const depth = r.pick([10, 30, 45, 48, 50, 60, 99, 101, 500, 5_000, 100_000]);
      const useList = r.chance(0.3);
      const struct = deepStruct(depth, useList);
      if (r.chance(0.5)) {
        const base = toBinary(
          PutRequestSchema,
          create(PutRequestSchema, { config: { threadId: `deep${r.int(0, 3)}` }, checkpoint: { id: `c${r.int(0, 9)}` } }),
        );
        const body = Buffer.concat([base, Buffer.from(lenField(3, struct.length)), struct]);
        return { kind, what: `Put metadata ${useList ? "list" : "struct"} depth ${depth}`, run: () => grpcJsUnary(t.grpcJs, "Put", body) };
      }
      const base = toBinary(ListRequestSchema, create(ListRequestSchema, { config: { threadId: `deep${r.int(0, 3)}` }, limit: 5 }));
      const body = Buffer.concat([base, Buffer.from(lenField(2, struct.length)), struct]);
      return { kind, what: `List filter ${useList ? "list" : "struct"} depth ${depth}`, run: () => grpcJsList(t.grpcJs, body) };
    }
    case "Connect port junk":
      return connectJunk(r, method, t);
  }
}

function deepJson(depth: number, list: boolean): string {
  return list ? `${"[".repeat(depth)}1${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

function connectJunk(r: Rng, method: Method, t: Targets): Probe {
  const kind = "Connect port junk";
  const url = `${t.httpBase}/${SERVICE}/${method.name}`;
  const streaming = method.local === "list";
  const notJson = () =>
    r.pick<() => string | Buffer>([
      () => r.bytes(r.int(0, 200)),
      () => '{"config":',
      () => "{'config': {}}",
      () => "NaN",
      () => "",
      () => '{"config":{"threadId":"a"}}}',
      () => "\ufeff{}",
      () => '{"a":1,}',
      () => "[".repeat(10_000),
    ])();
  const wrongShape = () =>
    r.pick<() => string>([
      () => "[]",
      () => "null",
      () => "1",
      () => '"x"',
      () => '{"config":"x"}',
      () => '{"config":{"threadId":5}}',
      () => '{"config":{"threadId":"a\\u0000b"}}',
      () => '{"config":{"threadId":"\\ud800"}}',
      () => '{"config":{"threadId":"t1"},"limit":"abc"}',
      () => '{"limit":-1}',
      () => '{"limit":1e20}',
      () => '{"strategy":"PRUNE_STRATEGY_BOGUS","threadIds":["t1"]}',
      () => '{"strategy":99,"threadIds":["t1"]}',
      () => '{"threadId":["a"]}',
      () => '{"runIds":"x"}',
      () => '{"runIds":[null]}',
      () => '{"unknownField":1}',
      () => '{"config":{"threadId":"t"},"checkpoint":{"id":"c","channelVersions":{"a":{}}}}',
      () => '{"config":{"threadId":"t"},"checkpoint":{"id":"c"},"newVersions":{"a":{"intValue":"1e400"}}}',
      () => '{"config":{"threadId":"t"},"checkpoint":{"id":"c"},"newVersions":{"a":{"intValue":"1","stringValue":"x"}}}',
      () => '{"config":{"threadId":"t"},"checkpoint":{"id":"c","channelValues":{"a":{"data":"!!!not base64"}}}}',
      () => '{"config":{"threadId":"t"},"metadata":[1,2]}',
      () =>
        `{"config":{"threadId":"t"},"checkpoint":{"id":"c"},"metadata":{"m":${deepJson(r.pick([50, 120, 1_000, 5_000, 50_000]), r.chance(0.3))}}}`,
      () => `{"filter":{"m":${deepJson(r.pick([50, 120, 1_000, 5_000, 50_000]), r.chance(0.3))}}}`,
      () => '{"config":{"threadId":"t"},"checkpoint":{"id":"c"},"metadata":{"a":"\\u0000"}}',
      () =>
        JSON.stringify({
          config: { threadId: "t" },
          checkpoint: { id: "c" },
          newVersions: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, {}])),
        }),
    ])();
  const sub = r.int(0, 9);
  let what: string;
  let init: { method: string; headers: Record<string, string>; body?: Buffer | string };
  let target = url;
  if (sub <= 3) {
    const body = sub <= 1 ? notJson() : wrongShape();
    what = `${method.name} Connect JSON ${sub <= 1 ? "not JSON" : "wrong shape"}`;
    init = streaming
      ? {
          method: "POST",
          headers: { "content-type": "application/connect+json" },
          body: r.chance(0.5) ? envelope(0, Buffer.from(body)) : body,
        }
      : { method: "POST", headers: { "content-type": "application/json" }, body };
  } else if (sub === 4) {
    what = `${method.name} Connect proto, random body`;
    init = streaming
      ? {
          method: "POST",
          headers: { "content-type": "application/connect+proto" },
          body: envelope(r.chance(0.2) ? 1 : 0, junkPayload(r, method)),
        }
      : { method: "POST", headers: { "content-type": "application/proto" }, body: junkPayload(r, method) };
  } else if (sub === 5) {
    const contentType = r.pick(["text/plain", "application/xml", "", "application/grpc-web-text"]);
    what = `${method.name} content-type ${JSON.stringify(contentType)}`;
    init = { method: "POST", headers: contentType === "" ? {} : { "content-type": contentType }, body: wrongShape() };
  } else if (sub === 6) {
    what = `GET ${method.name}`;
    target = `${url}?${r.pick(["", "connect=v1&encoding=json&message=%7B", "encoding=proto&message=!!&base64=1", "message=" + "x".repeat(3_000)])}`;
    init = { method: "GET", headers: {} };
  } else if (sub === 7) {
    what = "unknown path";
    target = `${t.httpBase}${r.pick([`/${SERVICE}/Nope`, "/", "/checkpointd.v1.Other/Put", `/${SERVICE}/`, "/favicon.ico"])}`;
    init = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
  } else {
    what = `${method.name} gRPC-Web, random frame`;
    init = {
      method: "POST",
      headers: { "content-type": r.pick(["application/grpc-web", "application/grpc-web+proto"]) },
      body: frame(junkPayload(r, method), { compressed: r.chance(0.1) }),
    };
  }
  return { kind, what, run: () => httpCall(target, init) };
}

// ---------------------------------------------------------------- the test

/**
 * Calls Chrome DevTools Protocol methods on the server's inspector (it runs
 * with --inspect=127.0.0.1:0) over a minimal WebSocket client: text frames
 * only, which is all the inspector sends for these calls.
 */
async function inspectorCalls(webSocketUrl: string, calls: readonly { method: string; params?: object }[]): Promise<unknown[]> {
  const url = new URL(webSocketUrl);
  const socket = await new Promise<Socket>((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      timeout: 10_000,
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-key": randomBytes(16).toString("base64"),
        "sec-websocket-version": "13",
      },
    });
    req.once("upgrade", (_res, upgraded: Socket, head: Buffer) => {
      if (head.length > 0) upgraded.unshift(head);
      resolve(upgraded);
    });
    req.once("response", (res) => reject(new Error(`inspector answered HTTP ${res.statusCode}`)));
    req.once("timeout", () => req.destroy(new Error("inspector did not answer")));
    req.once("error", reject);
    req.end();
  });
  const send = (text: string) => {
    const payload = Buffer.from(text);
    const length = payload.length < 126 ? [0x80 | payload.length] : [0x80 | 126, payload.length >> 8, payload.length & 0xff];
    const mask = randomBytes(4);
    socket.write(Buffer.concat([Buffer.from([0x81, ...length]), mask, payload.map((b, i) => b ^ mask[i % 4]!)]));
  };
  let buffered = Buffer.alloc(0);
  const replies = new Map<number, unknown>();
  const received = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("inspector calls timed out")), 20_000);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (buffered.length < 2) break;
        let length = buffered[1]! & 0x7f;
        let offset = 2;
        if (length === 126) [length, offset] = [buffered.length >= 4 ? buffered.readUInt16BE(2) : Infinity, 4];
        else if (length === 127) [length, offset] = [buffered.length >= 10 ? Number(buffered.readBigUInt64BE(2)) : Infinity, 10];
        if (buffered.length < offset + length) break;
        const opcode = buffered[0]! & 0x0f;
        const payload = buffered.subarray(offset, offset + length).toString();
        buffered = buffered.subarray(offset + length);
        if (opcode !== 0x1) continue;
        const message = JSON.parse(payload) as { id?: number; result?: unknown; error?: unknown };
        if (message.id !== undefined) replies.set(message.id, message.error ?? message.result);
        if (replies.size === calls.length) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  try {
    calls.forEach((call, i) => send(JSON.stringify({ id: i + 1, method: call.method, params: call.params ?? {} })));
    await received;
    return calls.map((_, i) => replies.get(i + 1));
  } finally {
    socket.destroy();
  }
}

/**
 * Full garbage collections in the server, then its V8 heap in MB. The inspector
 * may answer before the collection has run, so the heap is read a moment later.
 */
async function collectGarbage(webSocketUrl: string): Promise<{ heapUsedMb: number }> {
  await inspectorCalls(webSocketUrl, [{ method: "HeapProfiler.collectGarbage" }, { method: "HeapProfiler.collectGarbage" }]);
  await sleep(500);
  const [evaluated] = await inspectorCalls(webSocketUrl, [
    { method: "Runtime.evaluate", params: { expression: "process.memoryUsage().heapUsed", returnByValue: true } },
  ]);
  return { heapUsedMb: Number((evaluated as { result?: { value?: number } }).result?.value) / MiB };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (kb === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Fault {
  index: number;
  kind: string;
  what: string;
  fault: string;
}

describe("wire fuzzing (real process on PostgreSQL)", () => {
  const seed =
    process.env.WIRE_FUZZ_SEED !== undefined ? Number(process.env.WIRE_FUZZ_SEED) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  let server: SpawnedCheckpointd;
  let targets: Targets;
  let sessions: Http2SessionManager;
  let exitedEarly: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let inspectorUrl: string;

  beforeAll(async () => {
    const adminUrl = process.env.CHECKPOINTD_TEST_DATABASE_URL;
    if (adminUrl === undefined) throw new Error("CHECKPOINTD_TEST_DATABASE_URL is not set (jest global setup starts PostgreSQL)");
    // The inspector (loopback, free port) lets the memory check collect garbage before it reads RSS.
    server = await spawnCheckpointd([], {
      DATABASE_URL: await createDatabase(adminUrl),
      SHUTDOWN_GRACE_MS: "2000",
      NODE_OPTIONS: "--inspect=127.0.0.1:0",
    });
    const inspector = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(server.output().stderr);
    if (inspector === null) throw new Error(`no inspector URL in the server's stderr:\n${server.output().stderr}`);
    inspectorUrl = inspector[1]!;
    void server.exited.then((result) => (exitedEarly ??= result));
    if (server.httpPort === undefined) throw new Error("the server reported no Connect/HTTP port");
    const grpcBase = `http://127.0.0.1:${server.port}`;
    sessions = new Http2SessionManager(grpcBase);
    targets = {
      grpcPool: new H2Pool(grpcBase, 4),
      httpPool: new H2Pool(`http://127.0.0.1:${server.httpPort}`, 2),
      httpBase: `http://127.0.0.1:${server.httpPort}`,
      // The server keeps metadata nested up to its decoder's limit and answers it one or two
      // messages deeper; protobuf-es's default limit (100) would fail to read that back.
      client: createClient(
        CheckpointService,
        createGrpcTransport({ baseUrl: grpcBase, sessionManager: sessions, binaryOptions: { recursionLimit: 1_000 } }),
      ),
      grpcJs: new GrpcClient(`127.0.0.1:${server.port}`, credentials.createInsecure(), { "grpc.max_receive_message_length": 64 * MiB }),
    };
  });

  afterAll(async () => {
    targets?.grpcPool.close();
    targets?.httpPool.close();
    targets?.grpcJs.close();
    sessions?.abort();
    await server?.stop();
  });

  /** Normal traffic, to warm the process up and to calm it down. */
  async function normalCalls(tag: string, rounds: number): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      const threadId = `normal-${tag}-${i % 5}`;
      const checkpointId = `1ef-${tag}-${String(i).padStart(4, "0")}`;
      await targets.client.put({
        config: { threadId },
        checkpoint: {
          v: 4,
          id: checkpointId,
          ts: new Date().toISOString(),
          channelVersions: { messages: { kind: { case: "intValue", value: BigInt(i + 1) } } },
        },
        metadata: { step: i, source: "loop" },
        newVersions: { messages: { kind: { case: "intValue", value: BigInt(i + 1) } } },
      });
      const { tuple } = await targets.client.getTuple({ config: { threadId, checkpointId } });
      expect(tuple?.checkpoint?.id).toBe(checkpointId);
      for await (const _ of targets.client.list({ config: { threadId }, limit: 3 })) void _;
    }
  }

  /**
   * Runs the probes of `quota` (kind -> count) in a seeded order, CONCURRENCY at
   * a time; bounded by count and by `budgetMs`. Heavy probes (10k-entry maps,
   * 70k ids, bodies over 256 KiB) go one at a time, so that a small machine is
   * not measuring a pile-up of them; their wait for that turn is not part of
   * their time.
   */
  async function runProbes(quota: Partial<Record<Kind, number>>, seedOffset: number, budgetMs: number) {
    const order = new Rng(seed + seedOffset).shuffle(
      (Object.entries(quota) as [Kind, number][]).flatMap(([kind, n]) => new Array<Kind>(n).fill(kind)),
    );
    const count = order.length;
    const histogram = new Map<string, number>();
    const byKind = new Map<string, Map<string, number>>();
    const faults: Fault[] = [];
    let slowest = { ms: 0, what: "" };
    const slow: string[] = [];
    const t0 = performance.now();
    const deadline = Date.now() + budgetMs;
    let next = 0;
    let skipped = 0;
    let heavyTurn: Promise<void> = Promise.resolve();
    const worker = async () => {
      while (next < count) {
        const index = next++;
        if (Date.now() > deadline) {
          skipped++;
          continue;
        }
        const r = rngFor(seed + seedOffset, index);
        const probe = probeFor(order[index]!, r, index, targets);
        let release = () => undefined as void;
        if (probe.heavy === true) {
          const previous = heavyTurn;
          heavyTurn = new Promise<void>((resolve) => (release = resolve));
          await previous;
        }
        const started = performance.now();
        let outcome: Outcome;
        try {
          outcome = await probe.run();
        } catch (error) {
          outcome = { transport: "client threw", detail: String(error) };
        } finally {
          release();
        }
        const ms = performance.now() - started;
        if (ms > slowest.ms) slowest = { ms, what: `${probe.kind}: ${probe.what}` };
        if (ms > 3_000)
          slow.push(
            `#${index} at ${Math.round(started - t0)} ms took ${Math.round(ms)} ms: ${probe.kind}: ${probe.what} -> ${describeOutcome(outcome)}`,
          );
        const label = describeOutcome(outcome);
        histogram.set(label, (histogram.get(label) ?? 0) + 1);
        const kindHistogram = byKind.get(probe.kind) ?? new Map<string, number>();
        kindHistogram.set(label, (kindHistogram.get(label) ?? 0) + 1);
        byKind.set(probe.kind, kindHistogram);
        const fault = faultOf(outcome, ms, probe);
        if (fault !== undefined)
          faults.push({ index, kind: probe.kind, what: `${probe.what}${probe.details === undefined ? "" : ` ${probe.details()}`}`, fault });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return { count: [...histogram.values()].reduce((a, b) => a + b, 0), histogram, byKind, faults, slowest, skipped, slow };
  }

  it("survives 2,000 hostile requests without INTERNAL/UNKNOWN/UNAVAILABLE, hangs, crashes or leaks", async () => {
    const started = performance.now();
    const pid = server.process.pid!;
    const sorted = (h: Map<string, number>) =>
      [...h.entries()].sort((a, b) => b[1] - a[1]).map(([label, n]) => `${String(n).padStart(6)}  ${label}`);

    // Warm-up: normal calls and a small slice of every kind, so that lazily built state exists.
    await normalCalls("warmup", 30);
    const warmupQuota = Object.fromEntries(
      (Object.entries(kinds) as [Kind, number][]).map(([kind, n]) => [kind, Math.ceil((n * WARMUP_REQUESTS) / REQUESTS)]),
    ) as Record<Kind, number>;
    const warmup = await runProbes(warmupQuota, 0x5eed, 30_000);
    await normalCalls("warmup2", 10);
    // V8 collects lazily (a run leaves 100+ MB of garbage in the heap for a minute or more), so
    // both readings follow full collections through the inspector: they compare what is kept.
    const heapBefore = await collectGarbage(inspectorUrl);
    const rssBefore = rssMb(pid);

    const run = await runProbes(kinds, 0, RUN_BUDGET_MS);
    const runMs = performance.now() - started;

    const serverErrors = new Map<string, number>();
    for (const line of server.output().stdout.split("\n")) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line) as { level?: number; msg?: string; method?: string; err?: { message?: string; code?: string } };
      if ((entry.level ?? 0) < 40) continue;
      const key = `${entry.msg ?? ""} ${entry.method ?? ""} ${entry.err?.code ?? ""} ${(entry.err?.message ?? "").slice(0, 120)}`;
      serverErrors.set(key, (serverErrors.get(key) ?? 0) + 1);
    }
    const faults = [...warmup.faults.map((f) => ({ ...f, kind: `warm-up ${f.kind}` })), ...run.faults].map(
      (f) => `#${f.index} ${f.kind}: ${f.what} -> ${f.fault}`,
    );
    console.log(
      [
        `wire-fuzz seed ${seed} (reproduce with WIRE_FUZZ_SEED=${seed})`,
        `${REQUESTS} requests (+${warmup.count} warm-up), concurrency ${CONCURRENCY}, warm-up and run took ${(runMs / 1000).toFixed(1)} s`,
        "status histogram (gRPC/Connect code, or HTTP status when rejected before gRPC):",
        ...sorted(run.histogram),
        ...[...run.byKind].map(([kind, h]) => `  ${kind}: ${[...h.entries()].map(([l, n]) => `${l} x${n}`).join(", ")}`),
        `slowest: ${Math.round(run.slowest.ms)} ms (${run.slowest.what})`,
        ...run.slow.slice(0, 20).map((line) => `  ${line}`),
        `server warnings/errors logged: ${serverErrors.size === 0 ? "none" : ""}`,
        ...sorted(serverErrors),
        ...(faults.length === 0 ? [] : [`${faults.length} fault(s):`, ...faults.slice(0, 30).map((f) => `  ${f}`)]),
        ...(exitedEarly === undefined ? [] : [`server exited: ${JSON.stringify(exitedEarly)}`, server.output().stderr.slice(-4_000)]),
      ].join("\n"),
    );
    expect(exitedEarly).toBeUndefined();
    expect(faults).toEqual([]);
    expect(run.skipped + warmup.skipped).toBe(0);
    expect(run.count).toBe(REQUESTS);
    expect(run.slowest.ms).toBeLessThan(REQUEST_TIMEOUT_MS);

    // Afterwards ordinary calls still work.
    const after = await targets.client.put({
      config: { threadId: "after-fuzz" },
      checkpoint: {
        v: 4,
        id: "1ef-after",
        ts: new Date().toISOString(),
        channelValues: { v: { type: "json", data: Buffer.from("42") } },
        channelVersions: { v: { kind: { case: "stringValue", value: "00001" } } },
      },
      metadata: { source: "input", step: -1 },
      newVersions: { v: { kind: { case: "stringValue", value: "00001" } } },
    });
    expect(after.config).toMatchObject({ threadId: "after-fuzz", checkpointId: "1ef-after" });
    const { tuple } = await targets.client.getTuple({ config: { threadId: "after-fuzz" } });
    expect(tuple?.checkpoint?.id).toBe("1ef-after");
    expect(Buffer.from(tuple!.checkpoint!.channelValues.v!.data).toString()).toBe("42");
    expect(tuple?.metadata).toEqual({ source: "input", step: -1 });

    // Memory settles: a moment and a few normal calls, a full collection, then the lowest of a few samples.
    await sleep(1_000);
    await normalCalls("calm", 10);
    const rssUncollected = rssMb(pid);
    const heapAfter = await collectGarbage(inspectorUrl);
    let rssAfter = rssMb(pid);
    for (let i = 0; i < 6 && rssAfter - rssBefore >= MAX_RSS_GROWTH_MB; i++) {
      await sleep(500);
      rssAfter = Math.min(rssAfter, rssMb(pid));
    }
    console.log(
      `server RSS (VmRSS after a full GC): ${rssBefore.toFixed(1)} MB after warm-up, ${rssAfter.toFixed(1)} MB after the run` +
        ` (+${(rssAfter - rssBefore).toFixed(1)} MB); ${rssUncollected.toFixed(1)} MB before that GC;` +
        ` V8 heap used ${heapBefore.heapUsedMb.toFixed(1)} -> ${heapAfter.heapUsedMb.toFixed(1)} MB; whole test ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(rssAfter - rssBefore).toBeLessThan(MAX_RSS_GROWTH_MB);
    expect(exitedEarly).toBeUndefined();
  }, 180_000);
});
