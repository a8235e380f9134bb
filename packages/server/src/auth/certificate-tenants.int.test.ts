import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Code, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import {
  makeTestCertificates,
  refusalOf,
  sampleHistory,
  spawnCheckpointd,
  type CertificateFiles,
  type SpawnedCheckpointd,
  type TestCertificates,
} from "@checkpointd/test-support";
import { newApiKey, writeKeysFile } from "@checkpointd/test-support/auth";

type Protocol = "grpc" | "connect";
const protocols: Protocol[] = ["grpc", "connect"];

/**
 * Mutual TLS as authentication: the verified client certificate names the tenant of every
 * call made over it (--auth-cert-tenant-from), with --auth-cert-role when no token comes along.
 */
describe("tenants from client certificates", () => {
  let certs: TestCertificates;
  let tenantB: CertificateFiles;
  let keysDir: string;
  let byCn: SpawnedCheckpointd;
  let byUri: SpawnedCheckpointd;
  const adminA = newApiKey("admin-a", "tenant-a", ["admin"]);
  const writerB = newApiKey("writer-b", "tenant-b", ["write"]);
  const spiffeWriter = newApiKey("spiffe-writer", "spiffe://checkpointd.test/tenant/a", ["write"]);

  const tlsFlags = () => [
    "--data-dir",
    "memory://",
    "--tls-cert-file",
    certs.server.certFile,
    "--tls-key-file",
    certs.server.keyFile,
    "--tls-client-ca-file",
    certs.ca.certFile,
  ];

  beforeAll(async () => {
    certs = await makeTestCertificates();
    tenantB = await certs.ca.issue({ name: "client-b", commonName: "tenant-b" });
    keysDir = await mkdtemp(join(tmpdir(), "checkpointd-cert-keys-"));
    const keysFile = join(keysDir, "keys.yaml");
    await writeKeysFile(keysFile, [adminA, writerB, spiffeWriter]);
    byCn = await spawnCheckpointd([...tlsFlags(), "--auth-keys-file", keysFile]);
    byUri = await spawnCheckpointd([
      ...tlsFlags(),
      "--auth-cert-tenant-from",
      "san-uri",
      "--auth-cert-role",
      "read",
      "--auth-keys-file",
      keysFile,
    ]);
  });
  afterAll(async () => {
    await byCn?.stop();
    await byUri?.stop();
    await certs?.remove();
    await rm(keysDir, { recursive: true, force: true });
  });

  function clientOf(
    server: SpawnedCheckpointd,
    identity: CertificateFiles,
    protocol: Protocol,
    token?: string,
  ): Client<typeof CheckpointService> {
    const nodeOptions = { ca: certs.ca.cert, cert: identity.cert, key: identity.key };
    const port = protocol === "grpc" ? server.port : server.httpPort!;
    const baseUrl = `https://localhost:${port}`;
    const bearer: Interceptor = (next) => (req) => {
      req.header.set("authorization", `Bearer ${token}`);
      return next(req);
    };
    const interceptors = token === undefined ? [] : [bearer];
    const transport =
      protocol === "grpc"
        ? createGrpcTransport({ baseUrl, nodeOptions, interceptors })
        : createConnectTransport({ baseUrl, httpVersion: "2", nodeOptions, interceptors });
    return createClient(CheckpointService, transport);
  }

  it.each(protocols)("keeps the threads of two certificates apart, with no token at all (%s port)", async (protocol) => {
    const threadId = `same-id-${protocol}`;
    const [first] = sampleHistory(threadId, "");
    const a = clientOf(byCn, certs.client, protocol);
    const b = clientOf(byCn, tenantB, protocol);
    await a.put(first!.put);
    expect((await b.getTuple({ config: { threadId } })).tuple).toBeUndefined();
    expect((await a.getTuple({ config: { threadId } })).tuple?.config?.checkpointId).toBe(first!.put.checkpoint!.id);
    // Tenant B's own thread of the same id, then each sees only its own.
    const [other] = sampleHistory(threadId, "other-ns");
    await b.put(other!.put);
    const listed = async (client: Client<typeof CheckpointService>) => {
      const namespaces: string[] = [];
      for await (const r of client.list({ config: { threadId } })) namespaces.push(r.tuple!.config!.checkpointNs);
      return namespaces;
    };
    expect(await listed(a)).toEqual([""]);
    expect(await listed(b)).toEqual(["other-ns"]);
  });

  it.each(protocols)(
    "gives a certificate alone --auth-cert-role (write): admin methods are refused, naming the role (%s port)",
    async (protocol) => {
      const error = await refusalOf(clientOf(byCn, certs.client, protocol).deleteThread({ threadId: "x" }));
      expect([error.code, error.rawMessage]).toEqual([
        Code.PermissionDenied,
        "DeleteThread needs the admin role; this credential has the write role",
      ]);
    },
  );

  it.each(protocols)(
    "takes a token of the certificate's tenant for its roles, and refuses one of another tenant (%s port)",
    async (protocol) => {
      await clientOf(byCn, certs.client, protocol, adminA.token).deleteThread({ threadId: `gone-${protocol}` });
      const error = await refusalOf(clientOf(byCn, certs.client, protocol, writerB.token).getTuple({ config: { threadId: "x" } }));
      expect([error.code, error.rawMessage]).toEqual([
        Code.PermissionDenied,
        "the bearer token is for another tenant than the client certificate: use a token of the certificate's tenant, or none",
      ]);
    },
  );

  it.each(protocols)(
    "reads the tenant from the URI SAN with --auth-cert-tenant-from san-uri; a certificate without one is refused (%s port)",
    async (protocol) => {
      const threadId = `spiffe-${protocol}`;
      const [first] = sampleHistory(threadId, "");
      // --auth-cert-role read: the certificate alone cannot write...
      const put = await refusalOf(clientOf(byUri, certs.client, protocol).put(first!.put));
      expect([put.code, put.rawMessage]).toEqual([Code.PermissionDenied, "Put needs the write role; this credential has the read role"]);
      // ...and reads as the tenant named spiffe://checkpointd.test/tenant/a: what a key of that tenant wrote.
      await clientOf(byUri, certs.client, protocol, spiffeWriter.token).put(first!.put);
      const read = await clientOf(byUri, certs.client, protocol).getTuple({ config: { threadId } });
      expect(read.tuple?.config?.checkpointId).toBe(first!.put.checkpoint!.id);
      // Not the CN's tenant: a key of tenant-a is another tenant's token over this certificate.
      const mixed = await refusalOf(clientOf(byUri, certs.client, protocol, adminA.token).getTuple({ config: { threadId } }));
      expect(mixed.code).toBe(Code.PermissionDenied);
      const refused = await refusalOf(clientOf(byUri, tenantB, protocol).getTuple({ config: { threadId } }));
      expect([refused.code, refused.rawMessage]).toEqual([
        Code.Unauthenticated,
        "the client certificate has no URI subject alternative name: it names no tenant (--auth-cert-tenant-from san-uri)",
      ]);
    },
  );
});
