import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointdClient } from "./create-checkpointd-client.js";

/**
 * The server has no TLS yet, so the TLS option is checked against a tiny HTTP/2 TLS peer that
 * answers every gRPC call with an empty message, and records the requests' headers.
 */
describe("the tls option", () => {
  let dir: string;
  let cert: string;
  let server: Http2SecureServer;
  let port: number;
  const paths: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "checkpointd-client-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-subj",
        "/CN=checkpointd.test",
        "-addext",
        "subjectAltName=DNS:checkpointd.test",
      ],
      { stdio: "ignore" },
    );
    cert = await readFile(join(dir, "cert.pem"), "utf8");
    server = createSecureServer({ key: await readFile(join(dir, "key.pem")), cert });
    server.on("stream", (stream, headers) => {
      paths.push(String(headers[":path"]));
      stream.on("data", () => undefined);
      stream.on("end", () => {
        stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it("speaks gRPC over TLS to a server whose certificate it was told to trust", async () => {
    const client = createCheckpointdClient({ address: `127.0.0.1:${port}`, tls: { ca: cert, servername: "checkpointd.test" } });
    try {
      expect(await client.getTuple({ config: { threadId: "t" } })).toBeUndefined();
      expect(paths).toContain("/checkpointd.v1.CheckpointService/GetTuple");
    } finally {
      await client.close();
    }
  });

  it("refuses a certificate it does not trust", async () => {
    const client = createCheckpointdClient({ address: `https://127.0.0.1:${port}`, retry: false });
    try {
      await expect(client.getTuple({ config: { threadId: "t" } })).rejects.toThrow();
    } finally {
      await client.close();
    }
  });
});
