import { execFile } from "node:child_process";
import { connect } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { create, equals, fromBinary, fromJson, toBinary, type JsonValue } from "@bufbuild/protobuf";
import { Client as GrpcClient, credentials } from "@grpc/grpc-js";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { CheckpointTupleSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import {
  CheckpointService,
  GetTupleRequestSchema,
  GetTupleResponseSchema,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { sampleHistory } from "@checkpointd/test-support";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";

const run = promisify(execFile);

describe("the Connect / gRPC-Web port", () => {
  let server: TestServer;
  const steps = sampleHistory("web", "");

  beforeAll(async () => {
    server = await startTestServer("pglite", undefined, { corsOrigins: ["https://inspector.example"] });
    for (const step of steps) {
      await server.client.put(step.put);
      for (const writes of step.writes) await server.client.putWrites(writes);
    }
  });
  afterAll(() => server.close());

  it("answers GetTuple identically over gRPC, gRPC-Web, Connect and curl with JSON", async () => {
    const request = { config: { threadId: "web", checkpointId: steps[1]!.put.checkpoint!.id } };
    const base = `http://127.0.0.1:${server.httpPort}`;
    // The gRPC port through a plain @grpc/grpc-js client (bytes in, bytes out).
    const grpcJs = new GrpcClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
    const bytes = await new Promise<Buffer>((resolve, reject) =>
      grpcJs.makeUnaryRequest(
        "/checkpointd.v1.CheckpointService/GetTuple",
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(toBinary(GetTupleRequestSchema, create(GetTupleRequestSchema, request))),
        (error, response) => (error ? reject(error) : resolve(response!)),
      ),
    );
    grpcJs.close();
    const viaGrpc = fromBinary(GetTupleResponseSchema, bytes).tuple;
    expect(viaGrpc).toBeDefined();
    expect(equals(CheckpointTupleSchema, (await server.client.getTuple(request)).tuple!, viaGrpc!)).toBe(true);
    const clients = {
      grpcWeb: createClient(CheckpointService, createGrpcWebTransport({ baseUrl: base, httpVersion: "1.1" })),
      connectJson: createClient(CheckpointService, createConnectTransport({ baseUrl: base, httpVersion: "1.1", useBinaryFormat: false })),
      connectH2: createClient(CheckpointService, createConnectTransport({ baseUrl: base, httpVersion: "2" })),
      grpcOverHttpPort: createClient(CheckpointService, createGrpcTransport({ baseUrl: base })),
    };
    for (const [name, client] of Object.entries(clients)) {
      const { tuple } = await client.getTuple(request);
      expect([name, equals(CheckpointTupleSchema, tuple!, viaGrpc!)]).toEqual([name, true]);
    }

    const { stdout } = await run("curl", [
      "-sS",
      "-H",
      "content-type: application/json",
      "-d",
      JSON.stringify(request),
      `${base}/checkpointd.v1.CheckpointService/GetTuple`,
    ]);
    const viaCurl = fromJson(GetTupleResponseSchema, JSON.parse(stdout) as JsonValue).tuple;
    expect(equals(CheckpointTupleSchema, viaCurl!, viaGrpc!)).toBe(true);
    expect(equals(CheckpointTupleSchema, viaGrpc!, steps[1]!.expected)).toBe(true);
  });

  it("reports errors as Connect JSON with the gRPC code", async () => {
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/checkpointd.v1.CheckpointService/GetTuple`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: "invalid_argument", message: "config.thread_id is required" });
  });

  it("answers GetTuple and List as Connect GET requests (NO_SIDE_EFFECTS), and a malformed query with INVALID_ARGUMENT", async () => {
    const base = `http://127.0.0.1:${server.httpPort}/checkpointd.v1.CheckpointService/GetTuple`;
    const get = async (query: string) => {
      const response = await fetch(`${base}?${query}`);
      return { status: response.status, body: (await response.json()) as { code?: string; tuple?: { config?: { threadId?: string } } } };
    };
    const message = encodeURIComponent(JSON.stringify({ config: { threadId: "web" } }));
    const found = await get(`connect=v1&encoding=json&message=${message}`);
    expect([found.status, found.body.tuple?.config?.threadId]).toEqual([200, "web"]);
    for (const query of ["encoding=proto&message=!!&base64=1", "encoding=proto&message=%FF%FF", "encoding=json&message=%7B"]) {
      expect([query, await get(query)]).toEqual([query, { status: 400, body: expect.objectContaining({ code: "invalid_argument" }) }]);
    }
  });

  it("closes an HTTP/1.1 connection it answered before the request body arrived", async () => {
    // A List whose envelope declares more than the limit is refused after its first bytes. A client that
    // stops sending the rest must not be kept alive: the unread body would swallow its next request.
    const declared = 300_000;
    const socket = connect(server.httpPort, "127.0.0.1");
    const answer = new Promise<string>((resolve, reject) => {
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
      socket.once("close", () => resolve(text));
      socket.once("error", reject);
    });
    socket.write(
      `POST /checkpointd.v1.CheckpointService/List HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Content-Type: application/connect+json\r\nContent-Length: ${declared}\r\n\r\n` +
        "[".repeat(1_000),
    );
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(text).toMatch(/resource_exhausted/);
  });

  it("answers CORS preflights for configured origins only", async () => {
    const preflight = (origin: string) =>
      fetch(`http://127.0.0.1:${server.httpPort}/checkpointd.v1.CheckpointService/GetTuple`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
    const allowed = await preflight("https://inspector.example");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://inspector.example");
    expect(allowed.headers.get("access-control-allow-headers")).toMatch(/connect-protocol-version/);
    const other = await preflight("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
