import type { DescMethod, MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import {
  CheckpointService,
  type AcquireLeaseRequestSchema,
  type AcquireLeaseResponse,
  type ReleaseLeaseRequestSchema,
  type RenewLeaseRequestSchema,
  type RenewLeaseResponse,
  type ClaimResumeRequestSchema,
  type ClaimResumeResponse,
  type CopyThreadRequestSchema,
  type DeleteForRunsRequestSchema,
  type DeleteForRunsResponse,
  type GetDeltaChannelHistoryRequestSchema,
  type GetDeltaChannelHistoryResponse,
  type GetThreadStorageResponse,
  type GetTupleRequestSchema,
  type ListRequestSchema,
  type PruneRequestSchema,
  type PutRequestSchema,
  type PutResponse,
  type PutWritesRequestSchema,
  type ResumeRequestSchema,
  type ResumeResponse,
  type SubscribeRequestSchema,
  type SetRetentionRequestSchema,
  type Thread,
  type SubscribeResponse,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import {
  Code,
  ConnectError,
  createClient,
  type CallOptions as ConnectCallOptions,
  type Client,
  type Interceptor,
} from "@connectrpc/connect";
import { authorizationOf, bearerAuthorization } from "./bearer-token.js";
import { createCallBatcher, type BatchCallInit, type BatchCallResult } from "./batch-calls.js";
import { callWithRetries, normalizeError } from "./call-with-retries.js";
import { defaultRetryOptions, type CallOptions, type CheckpointdClientOptions, type RetryOptions } from "./checkpointd-client-options.js";
import { createGrpcJsClient } from "./create-grpc-js-client.js";
import { createGrpcJsTransport } from "./create-grpc-js-transport.js";
import { injectTraceContext } from "./inject-trace-context.js";
import { isIdempotentCall } from "./is-idempotent-call.js";
import { parseAddress } from "./parse-address.js";
import { watchThreads, type ThreadWatch, type WatchOptions } from "./watch-threads.js";
import { compactedErrorOf } from "./events-compacted-error.js";

export type PutInput = MessageInitShape<typeof PutRequestSchema>;
export type PutWritesInput = MessageInitShape<typeof PutWritesRequestSchema>;
export type GetTupleInput = MessageInitShape<typeof GetTupleRequestSchema>;
export type ListInput = MessageInitShape<typeof ListRequestSchema>;
export type CopyThreadInput = MessageInitShape<typeof CopyThreadRequestSchema>;
export type DeleteForRunsInput = MessageInitShape<typeof DeleteForRunsRequestSchema>;
export type PruneInput = MessageInitShape<typeof PruneRequestSchema>;
export type ResumeInput = MessageInitShape<typeof ResumeRequestSchema>;
export type ClaimResumeInput = MessageInitShape<typeof ClaimResumeRequestSchema>;
export type SubscribeInput = MessageInitShape<typeof SubscribeRequestSchema>;
export type AcquireLeaseInput = MessageInitShape<typeof AcquireLeaseRequestSchema>;
export type RenewLeaseInput = MessageInitShape<typeof RenewLeaseRequestSchema>;
export type ReleaseLeaseInput = MessageInitShape<typeof ReleaseLeaseRequestSchema>;
export type SetRetentionInput = MessageInitShape<typeof SetRetentionRequestSchema>;
export type GetDeltaChannelHistoryInput = MessageInitShape<typeof GetDeltaChannelHistoryRequestSchema>;
/** A thread id, or a thread and namespace (default ""). */
export type ThreadRef = string | { threadId: string; checkpointNs?: string };

/**
 * A checkpointd client. Every unary call has a deadline (the client's default
 * unless the call names one) and is retried with jittered exponential backoff
 * on UNAVAILABLE when it is idempotent — every call but a Resume without an
 * idempotency key, and a ClaimResume without a resume id (the server answers a
 * worker's repeated claim of a named resume the same; "the oldest pending one"
 * could be another resume the second time).
 */
export interface CheckpointdClient {
  put(request: PutInput, options?: CallOptions): Promise<PutResponse>;
  putWrites(request: PutWritesInput, options?: CallOptions): Promise<void>;
  /** The tuple, or undefined when nothing matched. */
  getTuple(request: GetTupleInput, options?: CallOptions): Promise<CheckpointTuple | undefined>;
  /**
   * Point in time: the latest checkpoint of the thread and namespace whose `ts` is at or before
   * `at`, or undefined when there is none (the thread did not exist yet, or retention swept that
   * range). Always read from the database, never from the server's cache.
   */
  getTupleAt(thread: ThreadRef, at: Date, options?: CallOptions): Promise<CheckpointTuple | undefined>;
  /**
   * For LangGraph's DeltaChannel: per channel, the writes along the checkpoint's parent chain and
   * the nearest stored value (seed), in one round trip.
   */
  getDeltaChannelHistory(request: GetDeltaChannelHistoryInput, options?: CallOptions): Promise<GetDeltaChannelHistoryResponse>;
  /**
   * History, newest first, as it streams. A List that fails with UNAVAILABLE
   * before its first tuple is retried; one that fails later throws.
   */
  list(request: ListInput, options?: CallOptions): AsyncIterable<CheckpointTuple>;
  deleteThread(threadId: string, options?: CallOptions): Promise<void>;
  copyThread(request: CopyThreadInput, options?: CallOptions): Promise<void>;
  deleteForRuns(request: DeleteForRunsInput, options?: CallOptions): Promise<DeleteForRunsResponse>;
  prune(request: PruneInput, options?: CallOptions): Promise<void>;
  /** Answers an interrupt. Retried only when it carries an idempotency key. */
  resume(request: ResumeInput, options?: CallOptions): Promise<ResumeResponse>;
  /** Takes a pending resume for one worker. Retried only when it names the resume. */
  claimResume(request: ClaimResumeInput, options?: CallOptions): Promise<ClaimResumeResponse>;
  /**
   * Takes a thread's lease (see docs/protocol.md, "Leases"). Never retried: a retry could take a
   * second lease. Held by another: FAILED_PRECONDITION naming the holder (see waitForLease).
   */
  acquireLease(request: AcquireLeaseInput, options?: CallOptions): Promise<AcquireLeaseResponse>;
  renewLease(request: RenewLeaseInput, options?: CallOptions): Promise<RenewLeaseResponse>;
  /** False when the lease had already ended. */
  releaseLease(request: ReleaseLeaseInput, options?: CallOptions): Promise<boolean>;
  /** Replaces a thread's retention policy (an unset policy: the server's defaults); returns the thread. */
  setRetention(request: SetRetentionInput, options?: CallOptions): Promise<Thread>;
  /** A thread's size, clock and policy (checkpointCount 0 when nothing is stored). */
  getThread(threadId: string, options?: CallOptions): Promise<Thread>;
  /**
   * How much a thread stores, per channel and in total: bytes as the client wrote them (logical)
   * against bytes stored (chunked values share their chunks). `found` is false when nothing is stored.
   */
  getThreadStorage(threadId: string, options?: CallOptions): Promise<GetThreadStorageResponse>;
  /** One thread's events over server streaming (no reconnect: see watch()). A trimmed start: EventsCompactedError. */
  subscribe(request: SubscribeInput, options?: Omit<CallOptions, "timeoutMs">): AsyncIterable<SubscribeResponse>;
  /**
   * Watches threads over the bidirectional Watch stream; reconnects after
   * failures and resubscribes from the last event id seen for each thread, so
   * nothing is missed and nothing is seen twice.
   */
  watch(options: WatchOptions): ThreadWatch;
  /** The generated Connect client on the same connection: no retries and no default deadline. */
  readonly raw: Client<typeof CheckpointService>;
  /** Closes the connection; calls still in flight fail. */
  close(): Promise<void>;
}

function retryPolicy(option: CheckpointdClientOptions["retry"]): RetryOptions {
  if (option === false) return { ...defaultRetryOptions, maxAttempts: 1 };
  return { ...defaultRetryOptions, ...option };
}

/**
 * Creates a client over gRPC (HTTP/2, one multiplexed connection, re-opened as needed): Connect's
 * client API and interceptors on a grpc-js connection (see createGrpcJsTransport).
 */
export function createCheckpointdClient(options: CheckpointdClientOptions): CheckpointdClient {
  const parsed = parseAddress(options.address);
  const tls = options.tls ?? parsed.tls;
  if (tls === false && parsed.tls) throw new Error(`checkpointd address "${options.address}" is https, but tls is false`);
  const baseUrl = tls === false ? parsed.baseUrl : parsed.baseUrl.replace(/^http:/, "https:");
  const grpcJsClient = createGrpcJsClient({ host: parsed.host, port: parsed.port, tls, keepAliveMs: options.keepAliveMs ?? 30_000 });

  const { headers, token } = options;
  if (typeof token === "string") bearerAuthorization(token);
  const tokenHook: Interceptor[] =
    token === undefined
      ? []
      : [
          (next) => async (req) => {
            if (!req.header.has("authorization")) req.header.set("authorization", await authorizationOf(token));
            return next(req);
          },
        ];
  const headersHook: Interceptor[] =
    headers === undefined
      ? []
      : [
          (next) => async (req) => {
            const extra = await headers();
            for (const [name, value] of Object.entries(extra)) req.header.set(name, value);
            return next(req);
          },
        ];
  const transport = createGrpcJsTransport({
    client: grpcJsClient,
    baseUrl,
    interceptors: [...tokenHook, ...headersHook, injectTraceContext(), ...(options.interceptors ?? [])],
  });
  const raw = createClient(CheckpointService, transport);
  const policy = retryPolicy(options.retry);
  const unaryTimeout = options.timeoutMs ?? 10_000;
  const listTimeout = options.listTimeoutMs ?? 60_000;
  let closed = false;

  function deadlineOf(call: CallOptions | undefined, fallback: number): number | undefined {
    const ms = call?.timeoutMs ?? fallback;
    return ms > 0 && Number.isFinite(ms) ? Date.now() + ms : undefined;
  }

  function connectOptions(call: CallOptions | undefined, timeoutMs: number | undefined): ConnectCallOptions {
    const out: ConnectCallOptions = {};
    if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
    if (call?.signal !== undefined) out.signal = call.signal;
    if (call?.headers !== undefined) out.headers = call.headers;
    return out;
  }

  /** A unary call of `method` with `request`, retried when isIdempotentCall says it may be. */
  function unary<T>(
    method: DescMethod,
    request: object,
    call: CallOptions | undefined,
    run: (options: ConnectCallOptions) => Promise<T>,
  ): Promise<T> {
    if (closed) return Promise.reject(new Error("checkpointd client is closed"));
    return callWithRetries((timeoutMs) => run(connectOptions(call, timeoutMs)), {
      policy,
      idempotent: isIdempotentCall(method, request),
      deadline: deadlineOf(call, unaryTimeout),
      signal: call?.signal,
    });
  }

  /** A Put, PutWrites or GetTuple as its own RPC. */
  async function sendOne(call: BatchCallInit, callOptions?: CallOptions): Promise<BatchCallResult> {
    const c = call.call;
    switch (c?.case) {
      case "put":
        return { case: "put", value: await unary(CheckpointService.method.put, c.value, callOptions, (o) => raw.put(c.value, o)) };
      case "putWrites":
        return {
          case: "putWrites",
          value: await unary(CheckpointService.method.putWrites, c.value, callOptions, (o) => raw.putWrites(c.value, o)),
        };
      case "getTuple":
        return {
          case: "getTuple",
          value: await unary(CheckpointService.method.getTuple, c.value, callOptions, (o) => raw.getTuple(c.value, o)),
        };
      default:
        throw new Error("checkpointd client: a batch call names no call");
    }
  }
  const batcher =
    options.batch === false
      ? undefined
      : createCallBatcher({
          maxCalls: options.batch?.maxCalls ?? 32,
          sendOne: (call) => sendOne(call),
          sendBatch: (calls) => unary(CheckpointService.method.batch, { calls }, undefined, (o) => raw.batch({ calls }, o)),
        });

  /** Batched unless batching is off or the call has options of its own (a deadline, a signal, headers). */
  function batchable(call: BatchCallInit, callOptions: CallOptions | undefined): Promise<BatchCallResult> {
    if (closed) return Promise.reject(new Error("checkpointd client is closed"));
    return batcher === undefined || callOptions !== undefined ? sendOne(call, callOptions) : batcher.run(call);
  }
  const mismatch = (asked: string, result: BatchCallResult) =>
    new ConnectError(`a ${asked} call was answered as ${result.case ?? "nothing"}`, Code.Internal);

  async function* list(request: ListInput, call?: CallOptions): AsyncGenerator<CheckpointTuple> {
    if (closed) throw new Error("checkpointd client is closed");
    const deadline = deadlineOf(call, listTimeout);
    // The stream's deadline is ours, not Connect's timeoutMs: Connect keeps the deadline timer of a
    // stream the consumer stopped reading running until it fires (holding the process open).
    const controller = new AbortController();
    const timer =
      deadline === undefined
        ? undefined
        : setTimeout(() => controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded)), deadline - Date.now());
    const signal = call?.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, call.signal]);
    try {
      // Retried only until the first tuple arrived: after that, a retry would repeat what was yielded.
      const stream = await callWithRetries(
        async (timeoutMs) => {
          const headers = {
            ...call?.headers,
            ...(timeoutMs === undefined ? {} : { "grpc-timeout": `${Math.min(timeoutMs, 99_999_999)}m` }),
          };
          const iterator = raw.list(request, { signal, headers })[Symbol.asyncIterator]();
          const first = await iterator.next();
          return { iterator, first };
        },
        { policy, idempotent: isIdempotentCall(CheckpointService.method.list, request), deadline, signal },
      );
      for (let next = stream.first; next.done !== true;) {
        if (next.value.tuple !== undefined) yield next.value.tuple;
        try {
          next = await stream.iterator.next();
        } catch (error) {
          throw normalizeError(error);
        }
      }
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  async function* subscribe(request: SubscribeInput, call: Omit<CallOptions, "timeoutMs"> | undefined): AsyncGenerator<SubscribeResponse> {
    try {
      yield* raw.subscribe(request, connectOptions(call, undefined));
    } catch (error) {
      throw compactedErrorOf(error, request.threadId ?? "");
    }
  }

  return {
    raw,
    put: async (request, call) => {
      const result = await batchable({ call: { case: "put", value: request } }, call);
      if (result.case !== "put") throw mismatch("put", result);
      return result.value;
    },
    putWrites: async (request, call) => {
      const result = await batchable({ call: { case: "putWrites", value: request } }, call);
      if (result.case !== "putWrites") throw mismatch("putWrites", result);
    },
    getTuple: async (request, call) => {
      const result = await batchable({ call: { case: "getTuple", value: request } }, call);
      if (result.case !== "getTuple") throw mismatch("getTuple", result);
      return result.value.tuple;
    },
    getTupleAt: async (thread, at, call) => {
      const config = typeof thread === "string" ? { threadId: thread, checkpointNs: "" } : { checkpointNs: "", ...thread };
      const request = { config, asOf: timestampFromDate(at) };
      const result = await batchable({ call: { case: "getTuple", value: request } }, call);
      if (result.case !== "getTuple") throw mismatch("getTuple", result);
      return result.value.tuple;
    },
    getDeltaChannelHistory: (request, call) =>
      unary(CheckpointService.method.getDeltaChannelHistory, request, call, (o) => raw.getDeltaChannelHistory(request, o)),
    list,
    deleteThread: async (threadId, call) => {
      await unary(CheckpointService.method.deleteThread, { threadId }, call, (o) => raw.deleteThread({ threadId }, o));
    },
    copyThread: async (request, call) => {
      await unary(CheckpointService.method.copyThread, request, call, (o) => raw.copyThread(request, o));
    },
    deleteForRuns: (request, call) => unary(CheckpointService.method.deleteForRuns, request, call, (o) => raw.deleteForRuns(request, o)),
    prune: async (request, call) => {
      await unary(CheckpointService.method.prune, request, call, (o) => raw.prune(request, o));
    },
    resume: (request, call) => unary(CheckpointService.method.resume, request, call, (o) => raw.resume(request, o)),
    claimResume: (request, call) => unary(CheckpointService.method.claimResume, request, call, (o) => raw.claimResume(request, o)),
    acquireLease: (request, call) => unary(CheckpointService.method.acquireLease, request, call, (o) => raw.acquireLease(request, o)),
    renewLease: (request, call) => unary(CheckpointService.method.renewLease, request, call, (o) => raw.renewLease(request, o)),
    releaseLease: async (request, call) =>
      (await unary(CheckpointService.method.releaseLease, request, call, (o) => raw.releaseLease(request, o))).released,
    subscribe: (request, call) => subscribe(request, call),
    setRetention: async (request, call) => {
      const { thread } = await unary(CheckpointService.method.setRetention, request, call, (o) => raw.setRetention(request, o));
      return thread!;
    },
    getThread: async (threadId, call) => {
      const { thread } = await unary(CheckpointService.method.getThread, { threadId }, call, (o) => raw.getThread({ threadId }, o));
      return thread!;
    },
    getThreadStorage: (threadId, call) =>
      unary(CheckpointService.method.getThreadStorage, { threadId }, call, (o) => raw.getThreadStorage({ threadId }, o)),
    watch: (watchOptions) => {
      if (closed) throw new Error("checkpointd client is closed");
      return watchThreads(raw, watchOptions);
    },
    async close() {
      if (closed) return;
      closed = true;
      transport.close();
    },
  };
}
