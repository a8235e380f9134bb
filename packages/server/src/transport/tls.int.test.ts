import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import {
  cliPath,
  grpcurlDir,
  loopbackAltNames,
  makeTestCertificates,
  probeTls,
  runCommand,
  spawnCheckpointd,
  waitUntil,
  type SpawnedCheckpointd,
  type TestCertificates,
} from "@checkpointd/test-support";

const protoRoot = fileURLToPath(new URL("../../../../proto", import.meta.url));
const sampleCheckpoint = { threadId: "tls-thread", checkpointNs: "", checkpointId: "c1" };

describe("TLS on both ports", () => {
  let certs: TestCertificates;
  let server: SpawnedCheckpointd;
  let grpcurl: string;
  let certFile: string;
  let keyFile: string;

  beforeAll(async () => {
    certs = await makeTestCertificates();
    // The served files are copies: rotation replaces them.
    certFile = join(certs.dir, "served.crt");
    keyFile = join(certs.dir, "served.key");
    await writeFile(certFile, certs.server.cert);
    await writeFile(keyFile, certs.server.key);
    server = await spawnCheckpointd(["--data-dir", "memory://", "--tls-cert-file", certFile, "--tls-key-file", keyFile]);
    grpcurl = join(grpcurlDir(), "grpcurl");
  });
  afterAll(async () => {
    await server?.stop();
    await certs?.remove();
  });

  it("serves gRPC over TLS with a private CA on the gRPC port", async () => {
    const client = createClient(
      CheckpointService,
      createGrpcTransport({ baseUrl: `https://localhost:${server.port}`, nodeOptions: { ca: certs.ca.cert } }),
    );
    await client.put({ config: sampleCheckpoint, checkpoint: { v: 1, id: "c1", ts: "2026-01-01T00:00:00Z" } });
    const response = await client.getTuple({ config: { threadId: sampleCheckpoint.threadId } });
    expect(response.tuple?.config?.checkpointId).toBe("c1");
  });

  it("serves Connect over HTTP/2 and gRPC-Web over HTTP/1.1 with TLS on the HTTP port", async () => {
    const nodeOptions = { ca: certs.ca.cert };
    for (const transport of [
      createConnectTransport({ baseUrl: `https://localhost:${server.httpPort}`, httpVersion: "2", nodeOptions }),
      createGrpcWebTransport({ baseUrl: `https://localhost:${server.httpPort}`, httpVersion: "1.1", nodeOptions }),
    ]) {
      const response = await createClient(CheckpointService, transport).getTuple({ config: { threadId: "tls-none" } });
      expect(response.tuple).toBeUndefined();
    }
  });

  it("answers grpcurl -cacert on the gRPC port (reflection) and on the HTTP port (proto files)", async () => {
    const services = await runCommand(grpcurl, ["-cacert", certs.ca.certFile, `localhost:${server.port}`, "list"]);
    expect(services).toContain("checkpointd.v1.CheckpointService");
    const viaHttpPort = await runCommand(grpcurl, [
      "-cacert",
      certs.ca.certFile,
      "-import-path",
      protoRoot,
      "-proto",
      "checkpointd/v1/checkpoint_service.proto",
      "-d",
      JSON.stringify({ config: { thread_id: sampleCheckpoint.threadId } }),
      `localhost:${server.httpPort}`,
      "checkpointd.v1.CheckpointService/GetTuple",
    ]);
    expect(viaHttpPort).toContain('"checkpointId": "c1"');
  });

  it("answers `checkpointd health` given the same TLS flags (the container health check)", async () => {
    const health = await runCommand(process.execPath, [
      cliPath,
      "health",
      "--port",
      String(server.port),
      "--tls-cert-file",
      certFile,
      "--tls-key-file",
      keyFile,
    ]);
    expect(health.trim()).toBe("SERVING");
    await expect(runCommand(process.execPath, [cliPath, "health", "--port", String(server.port)])).rejects.toThrow(
      /health check of .* failed/,
    );
  });

  it("refuses plaintext and an unknown CA", async () => {
    await expect(runCommand(grpcurl, ["-plaintext", `127.0.0.1:${server.port}`, "list"])).rejects.toThrow();
    await expect(runCommand(grpcurl, ["-cacert", certs.otherCa.certFile, `localhost:${server.port}`, "list"])).rejects.toThrow(
      /certificate/,
    );
  });

  it("serves a certificate rotated on disk to new connections, without a restart; open connections carry on", async () => {
    const transport = createGrpcTransport({ baseUrl: `https://localhost:${server.port}`, nodeOptions: { ca: certs.ca.cert } });
    const open = createClient(CheckpointService, transport);
    {
      expect((await open.getTuple({ config: { threadId: "tls-none" } })).tuple).toBeUndefined();
      const before = await probeTls({ port: server.port, ca: certs.ca.cert });
      expect(before).toMatchObject({ accepted: true, subjectCn: "localhost" });
      const rotated = await certs.ca.issue({ name: "rotated", commonName: "rotated.localhost", altNames: loopbackAltNames });
      // Each file is replaced atomically, the key first: between the two renames the pair does not
      // match, which the server must ride out on the old pair.
      await writeFile(`${keyFile}.new`, rotated.key);
      await writeFile(`${certFile}.new`, rotated.cert);
      await rename(`${keyFile}.new`, keyFile);
      await rename(`${certFile}.new`, certFile);
      for (const port of [server.port, server.httpPort!]) {
        await waitUntil(
          `port ${port} serving the rotated certificate`,
          async () => {
            const probe = await probeTls({ port, ca: certs.ca.cert });
            if (!probe.accepted || probe.subjectCn !== "rotated.localhost") throw new Error(JSON.stringify(probe));
          },
          { timeoutMs: 10_000 },
        );
      }
      // The client connected before the rotation still works.
      expect((await open.getTuple({ config: { threadId: "tls-none" } })).tuple).toBeUndefined();
      expect(server.process.exitCode).toBeNull();
      expect(server.output().stdout).toContain("TLS files changed: new connections use them");
    }
  });
});

describe("TLS files that cannot be used stop the start with one line (exit 1)", () => {
  let certs: TestCertificates;
  beforeAll(async () => {
    certs = await makeTestCertificates();
    await writeFile(join(certs.dir, "garbage.pem"), "not a certificate\n");
  });
  afterAll(async () => {
    await certs?.remove();
  });

  const refusal = async (args: string[]) => {
    const error = await spawnCheckpointd(["--data-dir", "memory://", ...args]).then(
      () => {
        throw new Error("checkpointd started");
      },
      (e: unknown) => (e as Error).message,
    );
    const match = /^checkpointd exited \((\d+)\) before listening:\n(.*)$/s.exec(error);
    expect(match?.[1]).toBe("1");
    const stderr = match![2]!.trimEnd();
    expect(stderr.split("\n")).toHaveLength(1);
    return stderr;
  };

  it("names the setting and the problem", async () => {
    const missing = join(certs.dir, "missing.crt");
    const { server, client, ca } = certs;
    expect(await refusal(["--tls-cert-file", missing, "--tls-key-file", server.keyFile])).toBe(
      `checkpointd: --tls-cert-file: cannot read ${JSON.stringify(missing)}: no such file`,
    );
    expect(await refusal(["--tls-cert-file", server.certFile, "--tls-key-file", client.keyFile])).toBe(
      `checkpointd: --tls-key-file: the key in ${JSON.stringify(client.keyFile)} does not belong to the certificate in ${JSON.stringify(server.certFile)}`,
    );
    const garbage = join(certs.dir, "garbage.pem");
    expect(await refusal(["--tls-cert-file", garbage, "--tls-key-file", server.keyFile])).toMatch(
      /^checkpointd: --tls-cert-file: .* holds no PEM certificate$/,
    );
    expect(await refusal(["--tls-cert-file", server.certFile, "--tls-key-file", garbage])).toMatch(
      /^checkpointd: --tls-key-file: .* holds no PEM private key/,
    );
    expect(await refusal(["--tls-cert-file", server.certFile, "--tls-key-file", server.keyFile, "--tls-client-ca-file", garbage])).toMatch(
      /^checkpointd: --tls-client-ca-file: .* holds no PEM certificate$/,
    );
    expect(await refusal(["--tls-cert-file", server.certFile])).toBe("checkpointd: --tls-cert-file: needs --tls-key-file too");
    expect(await refusal(["--tls-client-ca-file", ca.certFile])).toMatch(/^checkpointd: --tls-client-ca-file: needs --tls-cert-file/);
    expect(await refusal(["--tls-cert-file", certs.dir, "--tls-key-file", server.keyFile])).toMatch(/cannot read .*: is a directory$/);
  });
});
