import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { GetTupleRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { Client as GrpcClient, credentials, Metadata, type ServiceError as GrpcError } from "@grpc/grpc-js";
import { grpcurlDir, waitUntil } from "@checkpointd/test-support";
import { refusalOf } from "@checkpointd/test-support";
import { newApiKey, ports, startAuthTestServer, writeKeysFile, type AuthTestServer, type Port } from "@checkpointd/test-support/auth";
import { testEngines } from "@checkpointd/test-support/server";

const run = promisify(execFile);
const protoRoot = fileURLToPath(new URL("../../../../proto", import.meta.url));

/** GetTuple through @grpc/grpc-js with raw metadata: several `authorization` values if asked. */
function grpcJsGetTuple(address: string, authorization: readonly string[]): Promise<{ code: number; details: string }> {
  const client = new GrpcClient(address, credentials.createInsecure());
  const metadata = new Metadata();
  for (const value of authorization) metadata.add("authorization", value);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      "/checkpointd.v1.CheckpointService/GetTuple",
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(toBinary(GetTupleRequestSchema, create(GetTupleRequestSchema, { config: { threadId: "t" } }))),
      metadata,
      (error?: GrpcError | null) => {
        client.close();
        resolve(error ? { code: error.code, details: error.details } : { code: 0, details: "" });
      },
    );
  });
}

describe.each(testEngines)("credentials over the wire (%s)", (engine) => {
  const reader = newApiKey("reader", "acme", ["read"]);
  const revoked = newApiKey("soon-revoked", "acme", ["read"]);
  const slow = newApiKey("slow", "acme", ["read"], 2);
  let server: AuthTestServer;
  let hostile: Record<string, string>;

  beforeAll(async () => {
    server = await startAuthTestServer(engine, { keys: [reader, revoked, slow], authMaxStreams: 2 });
    const claims = { tenant: "acme", roles: ["read"] };
    const { issuer } = server;
    hostile = {
      "missing authorization: send `authorization: Bearer <token>`": "",
      "malformed authorization: expected `Bearer <token>`": " Basic dXNlcjpwYXNz",
      "unknown key": "0".repeat(64),
      "token expired": await issuer.sign(claims, { expiresIn: -120 }),
      "token not yet valid": await issuer.sign(claims, { notBefore: 120 }),
      "issuer not accepted": await issuer.sign(claims, { issuer: "https://evil.test" }),
      "audience not accepted": await issuer.sign(claims, { audience: "someone-else" }),
      "token algorithm not accepted (RS*, PS*, ES* or EdDSA)": issuer.unsigned(claims),
      "token algorithm not accepted (RS*, PS*, ES* or EdDSA) ": await issuer.signedWithPublicKeyAsSecret(claims),
      "token signature not valid": await issuer.sign(claims, { key: "stranger" }),
      'token has no "tenant" claim (a tenant name)': await issuer.sign({ roles: ["read"] }),
    };
  });
  afterAll(() => server.close());

  test.each(ports)("each bad credential is UNAUTHENTICATED with its reason and nothing of the token (%s port)", async (port: Port) => {
    for (const [reason, token] of Object.entries(hostile)) {
      const client = token === "" ? server.clientFor(port) : server.clientFor(port, token);
      const error = await refusalOf(client.getTuple({ config: { threadId: "t" } }));
      expect({ reason, code: error.code, message: error.rawMessage }).toEqual({
        reason,
        code: Code.Unauthenticated,
        message: reason.trim(),
      });
      const streamed = await refusalOf(
        (async () => {
          for await (const _ of client.subscribe({ threadId: "t" })) break;
        })(),
      );
      expect(streamed.code).toBe(Code.Unauthenticated);
    }
  });

  test("through @grpc/grpc-js: a good key is accepted, an expired token refused", async () => {
    expect(await grpcJsGetTuple(server.address, [`Bearer ${reader.token}`])).toEqual({ code: 0, details: "" });
    expect(await grpcJsGetTuple(server.address, [`Bearer ${hostile["token expired"]}`])).toEqual({
      code: Code.Unauthenticated,
      details: "token expired",
    });
  });

  test("repeated authorization headers: refused on the Connect port (gRPC and HTTP/1.1); judged by the first on the gRPC port", async () => {
    const grpcurl = join(grpcurlDir(), "grpcurl");
    // Node's HTTP/2 keeps the first of several `authorization` values and grpc-js sees only that one: a bad first is refused.
    const twice = ["-H", `authorization: Bearer ${"0".repeat(64)}`, "-H", `authorization: Bearer ${reader.token}`];
    for (const port of [server.port, server.httpPort]) {
      const args = [
        ...twice,
        "-plaintext",
        "-d",
        '{"config":{"threadId":"t"}}',
        `127.0.0.1:${port}`,
        "checkpointd.v1.CheckpointService/GetTuple",
      ];
      const answer = await run(
        grpcurl,
        port === server.port ? args : ["-import-path", protoRoot, "-proto", "checkpointd/v1/checkpoint_service.proto", ...args],
      ).then(
        () => "accepted",
        (error: { stderr: string }) => error.stderr,
      );
      expect(answer).toMatch(
        port === server.port ? /Code: Unauthenticated\s+Message: unknown key/ : /Code: Unauthenticated\s+Message: malformed authorization/,
      );
    }
    const http1 = await new Promise<string>((resolve, reject) => {
      const body = '{"config":{"threadId":"t"}}';
      const socket = connect(server.httpPort, "127.0.0.1", () =>
        socket.end(
          `POST /checkpointd.v1.CheckpointService/GetTuple HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
            `authorization: Bearer ${reader.token}\r\nauthorization: Bearer ${reader.token}\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
        ),
      );
      let answer = "";
      socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
      socket.on("end", () => resolve(answer));
      socket.on("error", reject);
    });
    expect(http1).toMatch(/^HTTP\/1\.1 401/);
    expect(http1).toContain('"code":"unauthenticated"');
  });

  test.each(ports)(
    "JWTs from the JWKS file (RS256) and the JWKS URL (ES256) are accepted; the URL is fetched once (%s port)",
    async (port: Port) => {
      const fromFile = await server.issuer.sign({ tenant: "acme", roles: ["read"] });
      const fromUrl = await server.issuer.sign({ tenant: "acme", roles: "read write" }, { key: "url-ec" });
      for (let i = 0; i < 3; i++) {
        await server.clientFor(port, fromFile).getTuple({ config: { threadId: "t" } });
        await server
          .clientFor(port, fromUrl)
          .putWrites({ config: { threadId: "t", checkpointId: "c" }, writes: [] })
          .catch((error: unknown) => {
            // Past authentication, whatever the storage says of an empty write.
            expect(ConnectError.from(error).code).not.toBe(Code.Unauthenticated);
          });
      }
      expect(server.issuer.fetches()).toBe(1);
    },
  );

  test("a key's own rate: RESOURCE_EXHAUSTED with a retry-after-ms trailer on both ports", async () => {
    for (const port of ports) {
      const client = server.clientFor(port, slow.token);
      let error: ConnectError | undefined;
      for (let i = 0; i < 10 && error === undefined; i++) {
        await client.getTuple({ config: { threadId: "t" } }).catch((e: unknown) => (error = ConnectError.from(e)));
      }
      expect(error?.code).toBe(Code.ResourceExhausted);
      const retryAfter = Number(error!.metadata.get("retry-after-ms"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(500);
      await new Promise((resolve) => setTimeout(resolve, retryAfter + 20));
      await client.getTuple({ config: { threadId: "t" } });
      // Wait for a full bucket before the other port.
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    // Another key of the tenant is not slowed by this one's bucket.
    await server.clientFor("grpc", reader.token).getTuple({ config: { threadId: "t" } });
  });

  test("a tenant's open streams are capped (--auth-max-streams 2); a closed one frees its place", async () => {
    const open = (signal: AbortSignal) =>
      server.clientFor("grpc", reader.token).subscribe({ threadId: "s" }, { signal })[Symbol.asyncIterator]();
    const first = new AbortController();
    const second = new AbortController();
    const a = open(first.signal);
    const b = open(second.signal);
    // Heartbeats come every 5 s; the streams' ends (cancelled below) are not what this test looks at.
    const pending = [a.next(), b.next()].map((next) => next.catch(() => undefined));
    await waitUntil(
      "two open streams",
      async () => {
        const error = await refusalOf(open(new AbortController().signal).next());
        expect(error.code).toBe(Code.ResourceExhausted);
        expect(error.rawMessage).toMatch(/2 open Watch\/Subscribe streams/);
      },
      { timeoutMs: 5_000 },
    );
    first.abort();
    await Promise.allSettled(pending.slice(0, 1));
    const third = new AbortController();
    await waitUntil(
      "a place freed",
      async () => {
        const c = open(third.signal);
        const next = c.next();
        next.catch(() => undefined);
        const outcome = await Promise.race([
          next.then(
            () => "event",
            (e: unknown) => ConnectError.from(e).code,
          ),
          new Promise((r) => setTimeout(() => r("open"), 300)),
        ]);
        if (outcome !== "open" && outcome !== "event") throw new Error(`refused: ${String(outcome)}`);
      },
      { timeoutMs: 5_000 },
    );
    second.abort();
    third.abort();
  });

  test("a revoked key stops working within 2 s of the file changing; a bad file keeps the keys in force", async () => {
    const client = server.clientFor("grpc", revoked.token);
    await client.getTuple({ config: { threadId: "t" } });
    await writeFile(server.keysFile, "keys: [ {id: broken");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await client.getTuple({ config: { threadId: "t" } });
    expect(server.logLines().some((line) => line.msg === "keys file not reloaded; the keys in force stay")).toBe(true);

    const changed = Date.now();
    await writeKeysFile(server.keysFile, [reader, slow]);
    await waitUntil(
      "the key revoked",
      async () => {
        const error = await refusalOf(client.getTuple({ config: { threadId: "t" } }));
        expect(error.rawMessage).toBe("unknown key");
      },
      { timeoutMs: 2_000 },
    );
    expect(Date.now() - changed).toBeLessThan(2_000);
    await server.clientFor("connect", reader.token).getTuple({ config: { threadId: "t" } });
  });

  test("grpcurl with -H 'authorization: Bearer …' works; without it the call is UNAUTHENTICATED; health and reflection need none", async () => {
    const grpcurl = join(grpcurlDir(), "grpcurl");
    const address = server.address;
    const call = ["-plaintext", "-d", '{"config":{"threadId":"t"}}', address, "checkpointd.v1.CheckpointService/GetTuple"];
    const { stdout } = await run(grpcurl, ["-H", `authorization: Bearer ${reader.token}`, ...call]);
    expect(stdout.trim()).toBe("{}");
    const refused = await run(grpcurl, call).then(
      () => "accepted",
      (error: { stderr: string }) => error.stderr,
    );
    expect(refused).toMatch(/Code: Unauthenticated\s+Message: missing authorization/);
    expect((await run(grpcurl, ["-plaintext", address, "grpc.health.v1.Health/Check"])).stdout).toMatch(/SERVING/);
  });
});
