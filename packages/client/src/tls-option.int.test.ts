import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  makeTestCertificates,
  spawnCheckpointd,
  startHeaderRecorder,
  type HeaderRecorder,
  type RecordedCall,
  type SpawnedCheckpointd,
  type TestCertificates,
} from "@checkpointd/test-support";
import { createCheckpointdClient } from "./create-checkpointd-client.js";
import { fromUrl } from "./from-url.js";

let certs: TestCertificates;
beforeAll(async () => {
  certs = await makeTestCertificates();
});
afterAll(async () => {
  await certs?.remove();
});

describe("the tls option, against checkpointd with mutual TLS", () => {
  let server: SpawnedCheckpointd;
  beforeAll(async () => {
    const { server: s, ca } = certs;
    server = await spawnCheckpointd(
      ["--data-dir", "memory://", "--tls-cert-file", s.certFile, "--tls-key-file", s.keyFile, "--tls-client-ca-file", ca.certFile],
      {},
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("fromUrl(https://…, { tls: { ca, cert, key } }) writes and reads", async () => {
    const client = fromUrl(`https://localhost:${server.port}`, {
      tls: { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key },
    });
    try {
      await client.put({
        config: { threadId: "client-tls", checkpointNs: "", checkpointId: "c1" },
        checkpoint: { v: 1, id: "c1", ts: "2026-01-01T00:00:00Z" },
      });
      expect((await client.getTuple({ config: { threadId: "client-tls" } }))?.config?.checkpointId).toBe("c1");
    } finally {
      await client.close();
    }
  });

  it("speaks gRPC to the HTTP port too (Connect serves gRPC there), over the same mutual TLS", async () => {
    const client = fromUrl(`https://localhost:${server.httpPort}`, {
      tls: { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key },
    });
    try {
      expect((await client.getTuple({ config: { threadId: "client-tls" } }))?.config?.checkpointId).toBe("c1");
    } finally {
      await client.close();
    }
  });

  it("is refused without a client certificate, or with one from another CA", async () => {
    for (const identity of [{}, { cert: certs.otherClient.cert, key: certs.otherClient.key }]) {
      const client = fromUrl(`https://localhost:${server.port}`, { tls: { ca: certs.ca.cert, ...identity }, retry: false });
      try {
        await expect(client.getTuple({ config: { threadId: "client-tls" } })).rejects.toThrow();
      } finally {
        await client.close();
      }
    }
  });

  it("refuses a server certificate it does not trust (system roots)", async () => {
    const client = fromUrl(`https://localhost:${server.port}`, { retry: false });
    try {
      await expect(client.getTuple({ config: { threadId: "client-tls" } })).rejects.toThrow();
    } finally {
      await client.close();
    }
  });
});

/** The token, as a TLS peer that requires a client certificate records it. */
describe("the token option", () => {
  let peer: HeaderRecorder;
  let port: number;
  let seen: RecordedCall[];

  beforeAll(async () => {
    peer = await startHeaderRecorder({ key: certs.server.key, cert: certs.server.cert, ca: certs.ca.cert });
    port = peer.port;
    seen = peer.calls;
  });
  afterAll(async () => {
    await peer?.close();
  });

  const tls = () => ({ ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key });

  it("a string token is sent as authorization: Bearer …, over mutual TLS", async () => {
    seen.length = 0;
    const client = fromUrl(`https://localhost:${port}`, { token: "s3cret-key", tls: tls() });
    try {
      await client.getTuple({ config: { threadId: "t" } });
      await client.deleteThread("t");
    } finally {
      await client.close();
    }
    expect(seen).toEqual([
      { path: "/checkpointd.v1.CheckpointService/GetTuple", authorization: "Bearer s3cret-key", clientCn: "tenant-a" },
      { path: "/checkpointd.v1.CheckpointService/DeleteThread", authorization: "Bearer s3cret-key", clientCn: "tenant-a" },
    ]);
  });

  it("a token function (async) is asked before every call, so a refreshed token is used", async () => {
    seen.length = 0;
    let n = 0;
    const client = createCheckpointdClient({
      address: `https://localhost:${port}`,
      tls: tls(),
      token: async () => `jwt-${++n}`,
      batch: false,
    });
    try {
      await client.getTuple({ config: { threadId: "t" } });
      await client.getTuple({ config: { threadId: "t" } });
      // A call's own authorization header wins.
      await client.getTuple({ config: { threadId: "t" } }, { headers: { authorization: "Bearer per-call" } });
    } finally {
      await client.close();
    }
    expect(seen.map((s) => s.authorization)).toEqual(["Bearer jwt-1", "Bearer jwt-2", "Bearer per-call"]);
  });

  it("refuses tokens that are not one run of visible ASCII, before sending anything", async () => {
    expect(() => fromUrl(`https://localhost:${port}`, { token: "Bearer abc" })).toThrow(/without "Bearer "/);
    expect(() => fromUrl(`https://localhost:${port}`, { token: "" })).toThrow(/non-empty visible ASCII/);
    seen.length = 0;
    const client = fromUrl(`https://localhost:${port}`, { tls: tls(), token: () => "line\nbreak", retry: false });
    try {
      await expect(client.getTuple({ config: { threadId: "t" } })).rejects.toThrow(/non-empty visible ASCII/);
    } finally {
      await client.close();
    }
    expect(seen).toEqual([]);
  });
});
