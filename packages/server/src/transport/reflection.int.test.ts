import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { grpcurlDir, spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";

const run = promisify(execFile);

describe("server reflection", () => {
  let server: SpawnedCheckpointd;
  /** grpcurl [flags] address [verb/method...] */
  let grpcurl: (flags: string[], ...rest: string[]) => Promise<{ stdout: string; stderr: string }>;

  beforeAll(async () => {
    const dir = grpcurlDir();
    server = await spawnCheckpointd(["--data-dir", "memory://"]);
    grpcurl = (flags, ...rest) => run(`${dir}/grpcurl`, ["-plaintext", ...flags, `127.0.0.1:${server.port}`, ...rest], { timeout: 20_000 });
  }, 400_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("describes messages with their dependencies (google.protobuf.Struct)", async () => {
    const { stdout } = await grpcurl([], "describe", "checkpointd.v1.CheckpointTuple");
    expect(stdout).toMatch(/\.google\.protobuf\.Struct metadata = 3;/);
    expect(stdout).toMatch(/repeated \.checkpointd\.v1\.PendingWrite pending_writes = 5;/);
    const method = await grpcurl([], "describe", "checkpointd.v1.CheckpointService.List");
    expect(method.stdout).toMatch(/rpc List \( \.checkpointd\.v1\.ListRequest \) returns \( stream \.checkpointd\.v1\.ListResponse \)/);
  });

  it("answers NOT_FOUND for unknown names", async () => {
    const error = (await grpcurl([], "describe", "checkpointd.v1.Nope").catch((e: unknown) => e)) as { stderr: string };
    expect(error.stderr).toMatch(/Symbol not found: checkpointd\.v1\.Nope/);
    // The reflection stream itself: an error_response with NOT_FOUND (5), for v1 and v1alpha alike.
    for (const version of ["v1", "v1alpha"]) {
      const { stdout } = await grpcurl(
        ["-d", '{"fileContainingSymbol":"nope.Nope"}'],
        `grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
      );
      expect(JSON.parse(stdout).errorResponse.errorCode).toBe(5);
    }
  });

  it("lists services on v1alpha as on v1", async () => {
    for (const version of ["v1", "v1alpha"]) {
      const { stdout } = await grpcurl(["-d", '{"listServices":"*"}'], `grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`);
      const names = (JSON.parse(stdout) as { listServicesResponse: { service: { name: string }[] } }).listServicesResponse.service.map(
        (s) => s.name,
      );
      expect(names).toContain("checkpointd.v1.CheckpointService");
      expect(names).toContain("grpc.health.v1.Health");
    }
  });
});
