import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  makeTestCertificates,
  spawnCheckpointd,
  startHeaderRecorder,
  type HeaderRecorder,
  type SpawnedCheckpointd,
  type TestCertificates,
} from "@checkpointd/test-support";
import { buildChatGraph } from "@checkpointd/test-support/langgraph";
import { CheckpointdSaver } from "./checkpointd-saver.js";

describe("CheckpointdSaver.fromUrl with a token and client certificates", () => {
  let certs: TestCertificates;
  let server: SpawnedCheckpointd;
  let recorder: HeaderRecorder;
  beforeAll(async () => {
    certs = await makeTestCertificates();
    const { server: s, ca } = certs;
    server = await spawnCheckpointd([
      "--data-dir",
      "memory://",
      "--tls-cert-file",
      s.certFile,
      "--tls-key-file",
      s.keyFile,
      "--tls-client-ca-file",
      ca.certFile,
    ]);
    recorder = await startHeaderRecorder({ cert: s.cert, key: s.key, ca: ca.cert });
  });
  afterAll(async () => {
    await server?.stop();
    await recorder?.close();
    await certs?.remove();
  });

  const tls = () => ({ ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key });

  it("runs a graph across two savers over mutual TLS", async () => {
    const config = { configurable: { thread_id: "saver-tls" } };
    const url = `https://localhost:${server.port}`;
    const first = CheckpointdSaver.fromUrl(url, { tls: tls(), token: "k1" });
    await buildChatGraph(first).invoke({ messages: ["my name is Ada"] }, config);
    await first.close();
    const second = CheckpointdSaver.fromUrl(url, { tls: tls(), token: async () => "k2" });
    try {
      const turn2 = await buildChatGraph(second).invoke({ messages: ["what is my name?"] }, config);
      expect(turn2.messages.at(-1)).toBe("your name is Ada");
    } finally {
      await second.close();
    }
  });

  it("sends the token (a string, or a function asked every call) as authorization: Bearer …", async () => {
    const url = `https://localhost:${recorder.port}`;
    let n = 0;
    for (const token of ["static-key", () => `refreshed-${++n}`]) {
      const saver = CheckpointdSaver.fromUrl(url, { tls: tls(), token });
      try {
        await saver.getTuple({ configurable: { thread_id: "t" } });
        await saver.deleteThread("t");
      } finally {
        await saver.close();
      }
    }
    expect(recorder.calls.map((c) => [c.path.split("/").at(-1), c.authorization, c.clientCn])).toEqual([
      ["GetTuple", "Bearer static-key", "tenant-a"],
      ["DeleteThread", "Bearer static-key", "tenant-a"],
      ["GetTuple", "Bearer refreshed-1", "tenant-a"],
      ["DeleteThread", "Bearer refreshed-2", "tenant-a"],
    ]);
  });
});
