import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import {
  BatchCallSchema,
  CheckpointService,
  PruneStrategy,
  WatchRequestSchema,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { sampleHistory } from "../sample-history.js";
import { openWatch } from "../open-watch.js";
import { tenantAuthorization } from "./tenant-test-authenticator.js";

export type CheckpointClient = Client<typeof CheckpointService>;
export type IsolationPort = "grpc" | "connect";
export const isolationPorts: readonly IsolationPort[] = ["grpc", "connect"];

/** A client that calls as `tenant` (see createTenantTestAuthenticator), on the native gRPC port or the Connect port. */
export function tenantClient(server: { port: number; httpPort: number }, port: IsolationPort, tenant: string): CheckpointClient {
  const authorization: Interceptor = (next) => (req) => {
    req.header.set("authorization", tenantAuthorization(tenant));
    return next(req);
  };
  const transport =
    port === "grpc"
      ? createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}`, interceptors: [authorization] })
      : createConnectTransport({ baseUrl: `http://127.0.0.1:${server.httpPort}`, httpVersion: "2", interceptors: [authorization] });
  return createClient(CheckpointService, transport);
}

/** What the owner of a thread left in it for the probes to aim at: its resume ids and its run ids. */
export interface SeededThread {
  threadId: string;
  resumeIds: string[];
  runIds: string[];
  /** The owner's live lease on the thread, when the test took one. */
  leaseId?: string | undefined;
}

/** The idempotency key of the owner's first resume: another tenant using it must not get that resume back. */
export const ownerIdempotencyKey = "owner-key";

/** A 3-checkpoint history with writes, an interrupt, two resumes (one claimed) and their events. */
export async function seedThread(client: CheckpointClient, threadId: string): Promise<SeededThread> {
  for (const step of sampleHistory(threadId, "")) {
    await client.put(step.put);
    for (const writes of step.writes) await client.putWrites(writes);
  }
  const value = { type: "json", data: new TextEncoder().encode('"owner"') };
  const first = await client.resume({ threadId, values: { i1: value }, idempotencyKey: ownerIdempotencyKey });
  const second = await client.resume({ threadId, values: { i2: value } });
  await client.claimResume({ threadId, resumeId: first.resumeId, workerId: "owner-worker" });
  return { threadId, resumeIds: [first.resumeId, second.resumeId], runIds: ["run-1", "run-2"] };
}

/** Metadata of everything the probing tenant writes: no tuple the owner can read may carry it. */
export const probeMetadata = { owner: "probe" };

/**
 * Bytes and bigints made comparable, and what differs between any two calls
 * (the probed thread id, new resume ids, the server's clock) blanked out: two
 * answers that differ only in those are equal.
 */
export function normalize(answer: unknown, threadId: string): string {
  const text = JSON.stringify(answer, (key, value: unknown) => {
    if (key === "$typeName") return undefined;
    if (typeof value === "bigint") return `${value}n`;
    if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
    return value;
  });
  return text
    .split(threadId)
    .join("<thread>")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, "<now>");
}

/** The non-heartbeat messages a stream yields within `ms` (or until `count` of them), then it is cancelled. */
async function collect<T>(open: (signal: AbortSignal) => AsyncIterable<T>, ms: number, keep: (item: T) => boolean, count = Infinity) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const items: T[] = [];
  try {
    for await (const item of open(controller.signal)) {
      if (keep(item)) items.push(item);
      if (items.length >= count) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return items;
}

type Probe = (client: CheckpointClient, target: SeededThread) => Promise<unknown>;

const [first, second] = sampleHistory("probe", "");
const probePut = (threadId: string) => {
  const put = sampleHistory(threadId, "")[0]!.put;
  return { ...put, metadata: probeMetadata };
};
const probeWrites = (threadId: string) => ({
  config: { threadId, checkpointNs: "", checkpointId: second!.put.checkpoint!.id },
  taskId: "task-b",
  taskPath: "~__pregel_push, 0, False",
  // __error__ overwrites (idx -1): a write that reached the owner's row would change it.
  writes: [{ channel: "__error__", value: { type: "json", data: new TextEncoder().encode('"probe"') } }],
});
const getLatest = (threadId: string) => ({ config: { threadId, checkpointNs: "" } });
const getById = (threadId: string) => ({ config: { threadId, checkpointNs: "", checkpointId: first!.put.checkpoint!.id } });

/**
 * One probe per RPC of CheckpointService: what the probing tenant sees when it
 * aims the call at `target` (the owner's thread, or a thread nobody has). The
 * isolation matrix requires an entry for every method of the service
 * descriptor, so a new RPC fails it until a probe is written here.
 */
export const rpcProbes: Record<string, Probe> = {
  put: (c, t) => c.put(probePut(t.threadId)),
  putWrites: async (c, t) => [
    await c.putWrites(probeWrites(t.threadId)),
    // Refused, naming the field: the message must not depend on whose thread it is.
    await c.putWrites({ ...probeWrites(t.threadId), taskId: "" }).catch((error: unknown) => String(error)),
  ],
  getTuple: async (c, t) => [
    await c.getTuple(getLatest(t.threadId)),
    await c.getTuple(getById(t.threadId)),
    // Point in time goes past the cache: isolated by storage alone.
    await c.getTuple({ ...getLatest(t.threadId), asOf: { seconds: 253_402_300_000n, nanos: 0 } }),
  ],
  getDeltaChannelHistory: async (c, t) => [
    await c.getDeltaChannelHistory({ ...getLatest(t.threadId), channels: ["messages", "counter", "py"] }),
    await c.getDeltaChannelHistory({
      config: { ...getById(t.threadId).config, checkpointId: second!.put.checkpoint!.id },
      channels: ["messages"],
    }),
  ],
  list: async (c, t) => {
    const tuples = [];
    for await (const r of c.list({ config: { threadId: t.threadId } })) tuples.push(r);
    for await (const r of c.list({ config: { threadId: t.threadId }, filter: { run_id: "run-1" } })) tuples.push(r);
    return tuples;
  },
  deleteThread: (c, t) => c.deleteThread({ threadId: t.threadId }),
  copyThread: async (c, t) => {
    // From the target into a thread of the prober's own, and from one of its own onto the target's id.
    const from = await c.copyThread({ sourceThreadId: t.threadId, targetThreadId: `${t.threadId}-copy` });
    const copied = [];
    for await (const r of c.list({ config: { threadId: `${t.threadId}-copy` } })) copied.push(r);
    await c.put(probePut(`${t.threadId}-own`));
    const to = await c.copyThread({ sourceThreadId: `${t.threadId}-own`, targetThreadId: t.threadId });
    const onto = await c.copyThread({ sourceThreadId: t.threadId, targetThreadId: t.threadId }).catch((error: unknown) => String(error));
    return [from, copied, to, onto];
  },
  deleteForRuns: (c, t) => c.deleteForRuns({ runIds: t.runIds }),
  getThreadStorage: (c, t) => c.getThreadStorage({ threadId: t.threadId }),
  prune: async (c, t) => [
    await c.prune({ threadIds: [t.threadId], strategy: PruneStrategy.KEEP_LATEST }),
    await c.prune({ threadIds: [t.threadId], strategy: PruneStrategy.DELETE }),
  ],
  subscribe: (c, t) =>
    collect(
      (signal) => c.subscribe({ threadId: t.threadId, afterEventId: 0n }, { signal }),
      400,
      (r) => r.event?.kind.case !== "heartbeat",
    ),
  resume: (c, t) =>
    c.resume({
      threadId: t.threadId,
      values: { i1: { type: "json", data: new Uint8Array([1]) } },
      idempotencyKey: ownerIdempotencyKey,
    }),
  claimResume: async (c, t) => [
    ...(await Promise.all(t.resumeIds.map((resumeId) => c.claimResume({ threadId: t.threadId, resumeId, workerId: "probe" })))),
    await c.claimResume({ threadId: t.threadId, resumeId: "", workerId: "probe" }),
  ],
  watch: async (c, t) => {
    const watch = openWatch(c);
    try {
      watch.send({ kind: { case: "subscribe", value: { threadId: t.threadId, afterEventId: 0n } } });
      watch.send({ kind: { case: "claim", value: { threadId: t.threadId, resumeId: t.resumeIds[1]!, workerId: "probe" } } });
      watch.send({
        kind: { case: "resume", value: { threadId: t.threadId, values: { i: { type: "json", data: new Uint8Array([2]) } } } },
      });
      // The claim's answer, the resume's answer and the prober's own resume_requested event; anything more is a leak.
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await watch.nextEvent());
      const more = await Promise.race([watch.nextEvent(), new Promise((resolve) => setTimeout(() => resolve("none"), 400))]);
      return [...answers.map((a) => normalize(a, t.threadId)).sort(), more === "none" ? "none" : normalize(more, t.threadId)];
    } finally {
      watch.close();
    }
  },
  acquireLease: async (c, t) => {
    const got = await c.acquireLease({ threadId: t.threadId, holder: "probe", ttl: { seconds: 60n } });
    const held = await c.acquireLease({ threadId: t.threadId, holder: "probe-2", ttl: { seconds: 60n } }).catch(String);
    await c.put({ ...probePut(t.threadId), fencingToken: got.fencingToken });
    const released = await c.releaseLease({ threadId: t.threadId, leaseId: got.leaseId });
    return [{ token: got.fencingToken, leaseId: got.leaseId }, held, released];
  },
  // Aimed at the owner's lease: another tenant can neither renew nor release it, nor learn of it.
  renewLease: (c, t) => c.renewLease({ threadId: t.threadId, leaseId: t.leaseId ?? "no-lease" }).catch(String),
  releaseLease: (c, t) => c.releaseLease({ threadId: t.threadId, leaseId: t.leaseId ?? "no-lease" }),
  setRetention: async (c, t) => [
    await c.setRetention({ threadId: t.threadId, policy: { maxVersions: 1, ttl: { seconds: 1n }, pinned: false } }),
    await c.setRetention({ threadId: t.threadId }),
  ],
  getThread: (c, t) => c.getThread({ threadId: t.threadId }),
  batch: async (c, t) => {
    const results = [];
    for (const [kind, probe] of Object.entries(batchProbes)) {
      results.push([kind, (await c.batch({ calls: [create(BatchCallSchema, probe(t.threadId))] })).results]);
    }
    return results;
  },
};

/** One probe per kind of BatchCall; the matrix requires an entry for every case of its oneof. */
export const batchProbes: Record<string, (threadId: string) => MessageInitShape<typeof BatchCallSchema>> = {
  put: (threadId) => ({ call: { case: "put", value: probePut(threadId) } }),
  putWrites: (threadId) => ({ call: { case: "putWrites", value: probeWrites(threadId) } }),
  getTuple: (threadId) => ({ call: { case: "getTuple", value: getLatest(threadId) } }),
};

/** The kinds of request a Watch stream takes; the watch probe sends each but unsubscribe (which answers nothing). */
export const watchRequestKinds = WatchRequestSchema.oneofs[0]!.fields.map((f) => f.localName);
