import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { toBinary, create } from "@bufbuild/protobuf";
import { SubscribeRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { connect as http2Connect, constants } from "node:http2";
import { connect as netConnect } from "node:net";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";

const STALL_MS = 1_000;
const path = "/checkpointd.v1.CheckpointService/Subscribe";
const checkpointId = (n: number) => `1f0b0000-0000-6000-8000-${String(n).padStart(12, "0")}`;
const filler = randomBytes(12 * 1024).toString("base64");

/** A Connect server-streaming request body: one enveloped SubscribeRequest. */
function subscribeBody(threadId: string): Buffer {
  const message = toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { threadId }));
  const envelope = Buffer.alloc(5 + message.length);
  envelope.writeUInt32BE(message.length, 1);
  envelope.set(message, 5);
  return envelope;
}

describe("the Connect/gRPC-Web port lets go of a stream whose client never reads", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("pglite", undefined, { streamStallMs: STALL_MS });
  });
  afterAll(() => server.close());

  /** ~16 KB checkpoint_saved events on the thread until `until` settles (at most `most`). */
  async function flood(threadId: string, until: Promise<unknown>, most = 2_000): Promise<number> {
    let settled = false;
    void until.finally(() => (settled = true));
    let n = 0;
    for (; n < most && !settled; n++) {
      await server.client.put({
        config: { threadId, checkpointId: n === 0 ? "" : checkpointId(n - 1) },
        checkpoint: { v: 4, id: checkpointId(n), ts: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)).toISOString() },
        metadata: { step: n, filler },
      });
    }
    return n;
  }

  it("HTTP/2 (h2c): resets the stream with CANCEL after the stall timeout; the port keeps serving", async () => {
    const session = http2Connect(`http://127.0.0.1:${server.httpPort}`);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/connect+proto",
        "connect-protocol-version": "1",
      });
      stream.end(subscribeBody("stall-h2"));
      const responded = new Promise<number>((resolve) => stream.once("response", (headers) => resolve(Number(headers[":status"]))));
      stream.pause(); // never read a byte of the body
      const closed = new Promise<number>((resolve) => stream.once("close", () => resolve(stream.rstCode ?? -1)));
      const events = await flood("stall-h2", closed);
      expect(await responded).toBe(200);
      const started = Date.now();
      expect(await closed).toBe(constants.NGHTTP2_CANCEL);
      expect(events).toBeLessThan(2_000);
      expect(Date.now() - started).toBeLessThan(30_000);
      // The same connection, and the port, still serve.
      const again = session.request({
        ":method": "POST",
        ":path": "/checkpointd.v1.CheckpointService/GetTuple",
        "content-type": "application/json",
      });
      again.end(JSON.stringify({ config: { threadId: "stall-h2" } }));
      let body = "";
      again.on("data", (chunk: Buffer) => (body += chunk.toString()));
      await new Promise((resolve) => again.once("end", resolve));
      expect(JSON.parse(body)).toMatchObject({ tuple: { config: { threadId: "stall-h2" } } });
    } finally {
      session.destroy();
    }
  });

  it("HTTP/1.1 (gRPC-Web): closes the connection after the stall timeout", async () => {
    // A raw socket that stops reading: Node's HTTP client would go on buffering the body in memory.
    const socket = netConnect(server.httpPort, "127.0.0.1");
    await once(socket, "connect");
    const body = subscribeBody("stall-h1");
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\n` +
        `Content-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
    socket.pause();
    socket.on("error", () => undefined); // a reset is what we expect
    const closed = once(socket, "close");
    // ~6.5 MB of events: far more than the socket buffers take while nobody reads. Bounded by
    // count, with a time cap for a hang: a 12 s bound let a loaded CI machine stop at 348 events.
    const events = await flood("stall-h1", new Promise((resolve) => setTimeout(resolve, 45_000)), 400);
    await new Promise((resolve) => setTimeout(resolve, STALL_MS * 3));
    // Now read: what was buffered arrives, then the connection ends without the response's end.
    let received = 0;
    socket.on("data", (chunk: Buffer) => (received += chunk.length));
    socket.resume();
    await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error("the stalled connection is still open")), 10_000)),
    ]);
    expect(events).toBe(400);
    expect(received).toBeLessThan(400 * filler.length);
  }, 90_000);
});
