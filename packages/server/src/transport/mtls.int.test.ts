import { execFile } from "node:child_process";
import { copyFile, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import {
  cliPath,
  grpcurlDir,
  makeTestCertificates,
  probeTls,
  runCommand,
  spawnCheckpointd,
  type CertificateFiles,
  type SpawnedCheckpointd,
  type TestCertificates,
  waitUntil,
} from "@checkpointd/test-support";
import { writeKeysFile } from "@checkpointd/test-support/auth";

describe("mutual TLS (--tls-client-ca-file)", () => {
  let certs: TestCertificates;
  let server: SpawnedCheckpointd;
  let grpcurl: string;
  let clientCaFile: string;

  beforeAll(async () => {
    certs = await makeTestCertificates();
    // A copy: the last test rotates it.
    clientCaFile = join(certs.dir, "client-ca.pem");
    await copyFile(certs.ca.certFile, clientCaFile);
    // The README's recipes send a token as well: a key of the client certificate's tenant.
    const keysFile = join(certs.dir, "keys.json");
    await writeKeysFile(keysFile, [{ id: "readme", token: "readme-token", tenant: "tenant-a", roles: ["read"] }]);
    server = await spawnCheckpointd([
      "--auth-keys-file",
      keysFile,
      "--data-dir",
      "memory://",
      "--tls-cert-file",
      certs.server.certFile,
      "--tls-key-file",
      certs.server.keyFile,
      "--tls-client-ca-file",
      clientCaFile,
    ]);
    grpcurl = join(grpcurlDir(), "grpcurl");
  });
  afterAll(async () => {
    await server?.stop();
    await certs?.remove();
  });

  const clientOn = (port: number, identity: CertificateFiles | undefined, protocol: "grpc" | "connect") => {
    const nodeOptions = { ca: certs.ca.cert, ...(identity === undefined ? {} : { cert: identity.cert, key: identity.key }) };
    const baseUrl = `https://localhost:${port}`;
    const transport =
      protocol === "grpc"
        ? createGrpcTransport({ baseUrl, nodeOptions })
        : createConnectTransport({ baseUrl, httpVersion: "2", nodeOptions });
    return createClient(CheckpointService, transport);
  };

  it("serves a client whose certificate the client CA signed, on both ports", async () => {
    for (const [port, protocol] of [
      [server.port, "grpc"],
      [server.httpPort!, "connect"],
    ] as const) {
      const response = await clientOn(port, certs.client, protocol).getTuple({ config: { threadId: "mtls-none" } });
      expect(response.tuple).toBeUndefined();
      expect(await probeTls({ port, ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key })).toMatchObject({ accepted: true });
    }
  });

  it("refuses, at the handshake, a client without a certificate or with one from another CA, on both ports", async () => {
    for (const port of [server.port, server.httpPort!]) {
      const none = await probeTls({ port, ca: certs.ca.cert });
      expect(none).toMatchObject({ accepted: false });
      const foreign = await probeTls({ port, ca: certs.ca.cert, cert: certs.otherClient.cert, key: certs.otherClient.key });
      expect(foreign).toMatchObject({ accepted: false });
      // The server's certificate was seen both times: the refusal is of the client, in the handshake.
      expect(none.fingerprint256).toBeDefined();
      expect(foreign.fingerprint256).toBeDefined();
      for (const protocol of ["grpc", "connect"] as const) {
        for (const identity of [undefined, certs.otherClient]) {
          const refused = await clientOn(port, identity, protocol)
            .getTuple({ config: { threadId: "mtls-none" } }, { timeoutMs: 5_000 })
            .then(
              () => undefined,
              (error: unknown) => ConnectError.from(error),
            );
          // connect-node reports the TLS alert, or the stream it had opened meanwhile reset, as INTERNAL or CANCELED.
          expect(refused).toBeInstanceOf(ConnectError);
        }
      }
    }
    // Nothing reached a handler.
    expect(server.output().stdout).not.toContain("call failed");
  });

  it("answers `checkpointd health` with the same flags: it presents the server's certificate, which the client CA signed", async () => {
    const { server: s, ca } = certs;
    const flags = ["--tls-cert-file", s.certFile, "--tls-key-file", s.keyFile, "--tls-client-ca-file", ca.certFile];
    const health = await runCommand(process.execPath, [cliPath, "health", "--port", String(server.port), ...flags]);
    expect(health.trim()).toBe("SERVING");
  });

  it("works with grpcurl -cacert -cert -key, and grpcurl without a certificate is refused", async () => {
    const withCertificate = await runCommand(grpcurl, [
      "-cacert",
      certs.ca.certFile,
      "-cert",
      certs.client.certFile,
      "-key",
      certs.client.keyFile,
      "-d",
      '{"config":{"thread_id":"mtls-none"}}',
      `localhost:${server.port}`,
      "checkpointd.v1.CheckpointService/GetTuple",
    ]);
    expect(withCertificate.trim()).toBe("{}");
    // grpc-go reads the server's TLS 1.3 alert as a dropped connection and redials until its connect timeout.
    const refused = /Failed to dial target host/;
    await expect(
      runCommand(grpcurl, ["-connect-timeout", "3", "-cacert", certs.ca.certFile, `localhost:${server.port}`, "list"]),
    ).rejects.toThrow(refused);
    await expect(
      runCommand(grpcurl, [
        "-connect-timeout",
        "3",
        "-cacert",
        certs.ca.certFile,
        "-cert",
        certs.otherClient.certFile,
        "-key",
        certs.otherClient.keyFile,
        `localhost:${server.port}`,
        "list",
      ]),
    ).rejects.toThrow(refused);
  });

  it("runs the README's TLS recipes as written (the ports aside)", async () => {
    const readme = readFileSync(fileURLToPath(new URL("../../../../README.md", import.meta.url)), "utf8");
    const block = /<!-- tls-recipes:start -->\s*```sh\n([\s\S]*?)```\s*<!-- tls-recipes:end -->/.exec(readme);
    const lines = block![1]!.split("\n").filter((line) => line.trim() !== "");
    expect(lines).toHaveLength(3);
    const dir = await mkdtemp(join(tmpdir(), "checkpointd-readme-tls-"));
    try {
      await copyFile(certs.ca.certFile, join(dir, "ca.crt"));
      await copyFile(certs.client.certFile, join(dir, "client.crt"));
      await copyFile(certs.client.keyFile, join(dir, "client.key"));
      const env = { ...process.env, PATH: `${grpcurlDir()}:${process.env.PATH ?? ""}`, token: "readme-token" };
      const outputs = [];
      for (const line of lines) {
        const command = line
          .replace("localhost:50051", `localhost:${server.port}`)
          .replace("localhost:8080", `localhost:${server.httpPort}`);
        outputs.push((await promisify(execFile)("bash", ["-c", command], { cwd: dir, env, timeout: 20_000 })).stdout.trim());
      }
      expect(outputs[0]).toContain("checkpointd.v1.CheckpointService");
      expect(outputs.slice(1)).toEqual(["{}", "{}"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("follows a client CA rotated on disk: new connections are checked against the new CA (this test runs last)", async () => {
    const probe = (identity: CertificateFiles) =>
      probeTls({ port: server.port, ca: certs.ca.cert, cert: identity.cert, key: identity.key });
    expect(await probe(certs.otherClient)).toMatchObject({ accepted: false });
    await writeFile(`${clientCaFile}.new`, certs.otherCa.cert);
    await rename(`${clientCaFile}.new`, clientCaFile);
    await waitUntil(
      "the other CA's client accepted",
      async () => {
        const result = await probe(certs.otherClient);
        if (!result.accepted) throw new Error(result.error);
      },
      { timeoutMs: 10_000 },
    );
    expect(await probe(certs.client)).toMatchObject({ accepted: false });
  });
});
