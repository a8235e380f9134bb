import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createClient, ConnectError, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { connect as connectHttp2 } from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { ChannelVersionSchema, TypedValueSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { CheckpointService, PutRequestSchema, SubscribeRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { sampleHistory, spawnCheckpointd, waitUntil, type SpawnedCheckpointd } from "@checkpointd/test-support";

const valueMarker = "PLANTED-VALUE-5c1e9a";
const metadataMarker = "PLANTED-METADATA-77d0b3";
const token = "PLANTED-TOKEN-0f4e2d";
const encoder = new TextEncoder();

/** Every way a log could carry the planted text: as is, base64 (JSON of bytes) and hex. */
const forms = (text: string) => [text, Buffer.from(text).toString("base64").slice(0, 16), Buffer.from(text).toString("hex")];

describe("the call log", () => {
  let server: SpawnedCheckpointd;
  let grpc: Client<typeof CheckpointService>;
  let connect: Client<typeof CheckpointService>;
  const headers = { authorization: `Bearer ${token}`, "x-planted": metadataMarker };

  beforeAll(async () => {
    server = await spawnCheckpointd(["--data-dir", "memory://", "--slow-call-ms", "0", "--log-level", "debug"]);
    grpc = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }));
    connect = createClient(
      CheckpointService,
      createConnectTransport({ baseUrl: `http://127.0.0.1:${server.httpPort}`, httpVersion: "1.1" }),
    );
  });
  afterAll(() => server?.stop());

  const lines = () =>
    server
      .output()
      .stdout.split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it("logs one line per failed and per slow call, with method, code, duration and thread, never a value, metadata or token", async () => {
    const { put } = sampleHistory("logged", "")[0]!;
    put.checkpoint!.channelValues["planted"] = create(TypedValueSchema, { type: "json", data: encoder.encode(valueMarker) });
    put.newVersions["planted"] = create(ChannelVersionSchema, { kind: { case: "intValue", value: 1n } });
    put.metadata = { planted: metadataMarker };
    await grpc.put(put, { headers });
    await connect.getTuple({ config: { threadId: "logged" } }, { headers });
    // Failures: a Put without a thread (carrying the planted value) and a GetTuple without one, on both ports.
    const bad = create(PutRequestSchema, { checkpoint: put.checkpoint, metadata: put.metadata, newVersions: put.newVersions, config: {} });
    await expect(grpc.put(bad, { headers })).rejects.toBeInstanceOf(ConnectError);
    await expect(connect.put(bad, { headers })).rejects.toBeInstanceOf(ConnectError);
    await expect(grpc.getTuple({ config: { threadId: "" } }, { headers })).rejects.toBeInstanceOf(ConnectError);

    await waitUntil("the last call's line", async () => {
      expect(lines().filter((l) => l.msg === "call failed")).toHaveLength(3);
    });
    const calls = lines().filter((l) => l.msg === "call failed" || l.msg === "slow call");
    expect(calls.map((l) => [l.msg, l.method, l.code, l.threadId])).toEqual([
      ["slow call", `${CheckpointService.typeName}/Put`, "OK", "logged"],
      ["slow call", `${CheckpointService.typeName}/GetTuple`, "OK", "logged"],
      ["call failed", `${CheckpointService.typeName}/Put`, "InvalidArgument", undefined],
      ["call failed", `${CheckpointService.typeName}/Put`, "InvalidArgument", undefined],
      ["call failed", `${CheckpointService.typeName}/GetTuple`, "InvalidArgument", undefined],
    ]);
    for (const line of calls) expect(typeof line.durationMs).toBe("number");

    const { stdout, stderr } = server.output();
    for (const text of [...forms(valueMarker), ...forms(metadataMarker), ...forms(token)]) {
      expect([text, stdout.includes(text) || stderr.includes(text)]).toEqual([text, false]);
    }
  });

  it("changes the log level on SIGUSR2 without a restart", async () => {
    const levels = () =>
      lines()
        .filter((l) => l.msg === "log level changed (SIGUSR2)")
        .map((l) => l.logLevel);
    // Configured at debug: SIGUSR2 steps to info, the next one back to debug.
    server.process.kill("SIGUSR2");
    await waitUntil("the level line", async () => expect(levels()).toEqual(["info"]));
    await grpc.getTuple({ config: { threadId: "logged" } });
    server.process.kill("SIGUSR2");
    await waitUntil("the second level line", async () => expect(levels()).toEqual(["info", "debug"]));
    // Between the two, the process logged at info: a slow-call line (warn) still appears.
    expect(lines().filter((l) => l.msg === "slow call")).toHaveLength(3);
  });

  it("logs a stream the client abandons as CANCELLED (info), on either port and when the connection just drops", async () => {
    const subscribed = (threadId: string) =>
      lines().filter((l) => l.method === `${CheckpointService.typeName}/Subscribe` && l.threadId === threadId);
    const abandon = async (client: Client<typeof CheckpointService>, threadId: string) => {
      const controller = new AbortController();
      const stream = client.subscribe({ threadId }, { signal: controller.signal });
      const first = stream[Symbol.asyncIterator]().next();
      await waitUntil("the stream is open", async () => {
        await grpc.getTuple({ config: { threadId } });
        expect(lines().some((l) => l.msg === "slow call" && l.threadId === threadId)).toBe(true);
      });
      controller.abort();
      await first.catch(() => undefined);
    };
    await abandon(grpc, "abandoned-grpc");
    const connectH2 = createClient(
      CheckpointService,
      createConnectTransport({ baseUrl: `http://127.0.0.1:${server.httpPort}`, httpVersion: "2" }),
    );
    await abandon(connectH2, "abandoned-connect");

    // A browser tab closing: the HTTP/2 connection goes away under an open Connect stream.
    const session = connectHttp2(`http://127.0.0.1:${server.httpPort}`);
    const body = toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { threadId: "abandoned-socket" }));
    const envelope = Buffer.alloc(5 + body.length);
    envelope.writeUInt32BE(body.length, 1);
    envelope.set(body, 5);
    const request = session.request({
      ":method": "POST",
      ":path": `/${CheckpointService.typeName}/Subscribe`,
      "content-type": "application/connect+proto",
    });
    request.on("error", () => undefined);
    request.end(envelope);
    await new Promise((resolve) => request.once("response", resolve));
    session.destroy();

    for (const threadId of ["abandoned-grpc", "abandoned-connect", "abandoned-socket"]) {
      await waitUntil(`the line of ${threadId}`, async () => expect(subscribed(threadId)).toHaveLength(1));
      expect(subscribed(threadId).map((l) => [l.msg, l.code, l.level])).toEqual([["call ended", "Canceled", 30]]);
    }
  });
});
