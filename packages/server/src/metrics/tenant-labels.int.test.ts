import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { promtoolCheckMetrics, sampleHistory, spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";
import { newApiKey, withAuthorization, writeKeysFile } from "@checkpointd/test-support/auth";

describe("per-tenant call metrics and log lines (--metrics-tenant-labels)", () => {
  const acme = newApiKey("acme-writer", "acme", ["write"]);
  const globex = newApiKey("globex-writer", "globex", ["write"]);
  const initech = newApiKey("initech-writer", "initech", ["write"]);
  let dir: string;
  let server: SpawnedCheckpointd;
  const clientOf = (token: string): Client<typeof CheckpointService> =>
    createClient(
      CheckpointService,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}`, interceptors: withAuthorization(token) }),
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "checkpointd-tenant-labels-"));
    await writeKeysFile(join(dir, "keys.yaml"), [acme, globex, initech]);
    server = await spawnCheckpointd([
      "--data-dir",
      "memory://",
      "--auth-keys-file",
      join(dir, "keys.yaml"),
      "--metrics-port",
      "0",
      "--metrics-tenant-labels",
      "2",
      "--slow-call-ms",
      "0",
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("labels the first N tenants, counts the rest as other, leaves refused calls out, and logs each call's tenant", async () => {
    const { put } = sampleHistory("labelled", "")[0]!;
    await clientOf(acme.token).put(put);
    await clientOf(acme.token).getTuple({ config: { threadId: "labelled" } });
    await clientOf(globex.token).getTuple({ config: { threadId: "labelled" } });
    await expect(clientOf(globex.token).getTuple({ config: {} })).rejects.toMatchObject({ code: Code.InvalidArgument });
    await clientOf(initech.token).getTuple({ config: { threadId: "labelled" } });
    const refused = await clientOf("0".repeat(64))
      .getTuple({ config: { threadId: "labelled" } })
      .catch((error: unknown) => error);
    expect(ConnectError.from(refused).code).toBe(Code.Unauthenticated);

    const response = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
    const text = await response.text();
    const series = text.split("\n").filter((line) => line.startsWith("checkpointd_tenant_handled_total{"));
    expect(series.sort()).toEqual(
      [
        'checkpointd_tenant_handled_total{tenant="acme",grpc_method="Put",grpc_code="OK"} 1',
        'checkpointd_tenant_handled_total{tenant="acme",grpc_method="GetTuple",grpc_code="OK"} 1',
        'checkpointd_tenant_handled_total{tenant="globex",grpc_method="GetTuple",grpc_code="OK"} 1',
        'checkpointd_tenant_handled_total{tenant="globex",grpc_method="GetTuple",grpc_code="InvalidArgument"} 1',
        'checkpointd_tenant_handled_total{tenant="other",grpc_method="GetTuple",grpc_code="OK"} 1',
      ].sort(),
    );
    expect(text).toContain('checkpointd_tenant_handling_seconds_count{tenant="acme"} 2');
    expect(text).toContain('checkpointd_tenant_handling_seconds_count{tenant="other"} 1');
    // The exposition stays valid Prometheus text.
    expect((await promtoolCheckMetrics(text)).code).toBe(0);

    // Every call's line (--slow-call-ms 0) names its tenant, but for the refused one.
    const lines = server
      .output()
      .stdout.split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg: string; method: string; code: string; tenant?: string })
      .filter((line) => ["slow call", "call failed", "call ended"].includes(line.msg));
    expect(lines.map((l) => [l.method.slice(l.method.lastIndexOf("/") + 1), l.code, l.tenant ?? null])).toEqual([
      ["Put", "OK", "acme"],
      ["GetTuple", "OK", "acme"],
      ["GetTuple", "OK", "globex"],
      ["GetTuple", "InvalidArgument", "globex"],
      ["GetTuple", "OK", "initech"],
      ["GetTuple", "Unauthenticated", null],
    ]);
  });
});
