import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type MessageShape } from "@bufbuild/protobuf";
import { CheckpointTupleSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { CheckpointService, ListResponseSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type MethodDefinition,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { createGrpcJsClient } from "./create-grpc-js-client.js";
import { createGrpcJsTransport, type GrpcJsTransport } from "./create-grpc-js-transport.js";

type Call = ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>;

function definition(method: DescMethod): MethodDefinition<MessageShape<DescMessage>, MessageShape<DescMessage>> {
  return {
    path: `/${CheckpointService.typeName}/${method.name}`,
    requestStream: method.methodKind === "bidi_streaming",
    responseStream: method.methodKind !== "unary",
    requestSerialize: (m) => Buffer.from(toBinary(method.input, m)),
    requestDeserialize: (b) => fromBinary(method.input, b),
    responseSerialize: (m) => Buffer.from(toBinary(method.output, create(method.output, m))),
    responseDeserialize: (b) => fromBinary(method.output, b),
    originalName: method.name,
  };
}

/**
 * A grpc-js peer for CheckpointService whose behaviour each call picks by its thread id:
 * `ok` answers with headers and trailers, `fail` fails with details and trailers, `hang` never
 * answers (and records its cancellation), `three` streams three tuples, `three-then-fail` the
 * same then an error. Watch echoes each subscribe's thread id back as a tuple-less event.
 */
class Peer {
  server = new Server();
  port = 0;
  seen: Metadata[] = [];
  deadlines: (Date | number)[] = [];
  cancelled = 0;

  async start() {
    const impl: UntypedServiceImplementation = {
      GetTuple: (call: ServerUnaryCall<any, any>, callback: sendUnaryData<any>) => this.getTuple(call, callback),
      List: (call: ServerWritableStream<any, any>) => this.list(call),
      Watch: (call: ServerDuplexStream<any, any>) => {
        call.on("data", (request: { kind: { case: string; value: { threadId: string } } }) => {
          call.write({ event: { threadId: request.kind.value.threadId } });
        });
        call.on("end", () => call.end());
      },
    };
    const service = Object.fromEntries(
      [CheckpointService.method.getTuple, CheckpointService.method.list, CheckpointService.method.watch].map((m) => [
        m.name,
        definition(m),
      ]),
    );
    this.server.addService(service, impl);
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))),
    );
  }

  private record(call: Call) {
    this.seen.push(call.metadata);
    this.deadlines.push(call.getDeadline());
    call.on("cancelled", () => (this.cancelled += 1));
  }

  private getTuple(call: ServerUnaryCall<any, any>, callback: sendUnaryData<any>) {
    this.record(call);
    const threadId: string = call.request.config?.threadId ?? "";
    const trailer = new Metadata();
    trailer.set("x-trailer", "t1");
    trailer.set("x-trailer-bin", Buffer.from([0, 1, 2, 255]));
    if (threadId === "ok") {
      const header = new Metadata();
      header.set("x-header", "h1");
      call.sendMetadata(header);
      callback(null, { tuple: create(CheckpointTupleSchema, { config: { threadId: "ok" } }) }, trailer);
    } else if (threadId === "fail") {
      callback({ code: status.FAILED_PRECONDITION, details: "thread_id fail is not allowed: 100%", metadata: trailer });
    }
  }

  private list(call: ServerWritableStream<any, any>) {
    this.record(call);
    const threadId: string = call.request.config?.threadId ?? "";
    if (threadId === "hang") return;
    for (let n = 1; n <= 3; n++) call.write(create(ListResponseSchema, { tuple: { config: { threadId, checkpointId: `c${n}` } } }));
    if (threadId === "three-then-fail") call.emit("error", { code: status.UNAVAILABLE, details: "storage went away" });
    else call.end();
  }

  stop() {
    this.server.forceShutdown();
  }
}

describe("createGrpcJsTransport against a grpc-js peer", () => {
  const peer = new Peer();
  let transport: GrpcJsTransport;
  const responses: { header: Headers; trailer: Headers }[] = [];
  const urls: string[] = [];
  const observe: Interceptor = (next) => async (req) => {
    urls.push(req.url);
    req.header.set("x-request", "r1");
    req.header.set("x-request-bin", "AAEC/w");
    const res = await next(req);
    responses.push({ header: res.header, trailer: res.trailer });
    return res;
  };
  beforeAll(async () => {
    await peer.start();
    const baseUrl = `http://127.0.0.1:${peer.port}`;
    const client = createGrpcJsClient({ host: "127.0.0.1", port: peer.port, tls: false, keepAliveMs: 30_000 });
    transport = createGrpcJsTransport({ client, baseUrl, interceptors: [observe] });
  });
  afterAll(() => {
    transport.close();
    peer.stop();
  });

  it("runs interceptors, sends their headers as metadata (bytes for -bin) and hands back headers and trailers", async () => {
    const raw = createClient(CheckpointService, transport);
    const response = await raw.getTuple({ config: { threadId: "ok" } }, { timeoutMs: 5_000 });
    expect(response.tuple?.config?.threadId).toBe("ok");
    expect(urls.at(-1)).toBe(`http://127.0.0.1:${peer.port}/checkpointd.v1.CheckpointService/GetTuple`);
    const sent = peer.seen.at(-1)!;
    expect(sent.get("x-request")).toEqual(["r1"]);
    expect(sent.get("x-request-bin")).toEqual([Buffer.from([0, 1, 2, 255])]);
    expect(sent.get("grpc-timeout")).toEqual([]);
    const deadline = Number(peer.deadlines.at(-1));
    expect(deadline - Date.now()).toBeGreaterThan(3_000);
    expect(deadline - Date.now()).toBeLessThanOrEqual(5_000);
    const { header, trailer } = responses.at(-1)!;
    expect(header.get("x-header")).toBe("h1");
    expect(trailer.get("x-trailer")).toBe("t1");
    expect(trailer.get("x-trailer-bin")).toBe("AAEC/w");
  });

  it("applies interceptors in Connect's order, and aborts req.signal once the call is over", async () => {
    const order: string[] = [];
    const signals: AbortSignal[] = [];
    const named =
      (name: string): Interceptor =>
      (next) =>
      async (req) => {
        order.push(name);
        signals.push(req.signal);
        return next(req);
      };
    const client = createGrpcJsClient({ host: "127.0.0.1", port: peer.port, tls: false, keepAliveMs: 30_000 });
    const own = createGrpcJsTransport({ client, baseUrl: "http://127.0.0.1", interceptors: [named("outer"), named("inner")] });
    try {
      await createClient(CheckpointService, own).getTuple({ config: { threadId: "ok" } });
      expect(order).toEqual(["outer", "inner"]);
      expect(signals[0]!.aborted).toBe(true);
    } finally {
      own.close();
    }
  });

  it("gives a failed call's code, message and trailers as a ConnectError", async () => {
    const raw = createClient(CheckpointService, transport);
    const error = await raw.getTuple({ config: { threadId: "fail" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    const e = error as ConnectError;
    expect(e.code).toBe(Code.FailedPrecondition);
    expect(e.rawMessage).toBe("thread_id fail is not allowed: 100%");
    expect(e.metadata.get("x-trailer")).toBe("t1");
  });

  it("fails at the deadline with DEADLINE_EXCEEDED, and on abort with CANCELLED, cancelling the call on the server", async () => {
    const raw = createClient(CheckpointService, transport);
    const drain = async (iterable: AsyncIterable<unknown>) => {
      for await (const _ of iterable) void _;
    };
    let started = Date.now();
    await expect(raw.getTuple({ config: { threadId: "hang" } }, { timeoutMs: 150 })).rejects.toMatchObject({ code: Code.DeadlineExceeded });
    expect(Date.now() - started).toBeLessThan(2_000);
    const unaryAbort = new AbortController();
    setTimeout(() => unaryAbort.abort(new Error("caller gave up")), 50);
    const aborted = await raw.getTuple({ config: { threadId: "hang" } }, { signal: unaryAbort.signal }).catch((e: unknown) => e);
    expect(aborted).toMatchObject({ code: Code.Canceled, rawMessage: "caller gave up" });

    started = Date.now();
    await expect(drain(raw.list({ config: { threadId: "hang" } }, { timeoutMs: 150 }))).rejects.toMatchObject({
      code: Code.DeadlineExceeded,
    });
    expect(Date.now() - started).toBeLessThan(2_000);

    const cancelledBefore = peer.cancelled;
    const controller = new AbortController();
    started = Date.now();
    setTimeout(() => controller.abort(), 100);
    await expect(drain(raw.list({ config: { threadId: "hang" } }, { signal: controller.signal }))).rejects.toMatchObject({
      code: Code.Canceled,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    for (let i = 0; i < 50 && peer.cancelled === cancelledBefore; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(peer.cancelled).toBeGreaterThan(cancelledBefore);
  });

  it("streams a server-streaming call's messages, then its error", async () => {
    const raw = createClient(CheckpointService, transport);
    const ids: string[] = [];
    for await (const response of raw.list({ config: { threadId: "three" } })) ids.push(response.tuple!.config!.checkpointId);
    expect(ids).toEqual(["c1", "c2", "c3"]);

    const partial: string[] = [];
    const failed = (async () => {
      for await (const response of raw.list({ config: { threadId: "three-then-fail" } }))
        partial.push(response.tuple!.config!.checkpointId);
    })();
    await expect(failed).rejects.toMatchObject({ code: Code.Unavailable, rawMessage: "storage went away" });
    expect(partial).toEqual(["c1", "c2", "c3"]);
  });

  it("runs a bidi call, and close() ends the calls still open", async () => {
    const raw = createClient(CheckpointService, transport);
    const requests = (async function* () {
      yield { kind: { case: "subscribe" as const, value: { threadId: "a" } } };
      yield { kind: { case: "subscribe" as const, value: { threadId: "b" } } };
      await new Promise(() => undefined);
    })();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const response of raw.watch(requests)) seen.push(response.event!.threadId);
    })();
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual(["a", "b"]);
    transport.close();
    await expect(watching).rejects.toMatchObject({ code: Code.Canceled });
    await expect(raw.getTuple({ config: { threadId: "ok" } })).rejects.toMatchObject({ code: Code.Canceled });
  });
});
