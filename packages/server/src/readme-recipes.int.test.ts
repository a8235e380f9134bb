import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { grpcurlDir, spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";

const run = promisify(execFile);
const readme = readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8");

/** The command lines between the recipe markers, exactly as a reader copies them. */
function recipes(): string[] {
  const block = /<!-- recipes:start -->\s*```sh\n([\s\S]*?)```\s*<!-- recipes:end -->/.exec(readme);
  if (block === null) throw new Error("README.md has no recipes block");
  return block[1]!.split("\n").filter((line) => line.trim() !== "");
}

describe("README recipes, run exactly as written", () => {
  let server: SpawnedCheckpointd;
  let path: string;
  const outputs = new Map<string, string>();

  beforeAll(async () => {
    path = `${grpcurlDir()}:${process.env.PATH ?? ""}`;
    // The recipes name the default ports, so this is the one test that binds them.
    server = await spawnCheckpointd(["--port", "50051", "--http-port", "8080", "--data-dir", "memory://"]);
    for (const line of recipes()) {
      const { stdout } = await run("bash", ["-c", line], { env: { ...process.env, PATH: path }, timeout: 20_000 });
      outputs.set(line, stdout);
    }
  }, 400_000);
  afterAll(async () => {
    await server?.stop();
  });

  const output = (pattern: RegExp) => {
    const entry = [...outputs.entries()].find(([line]) => pattern.test(line));
    if (entry === undefined) throw new Error(`no recipe matches ${pattern}`);
    return entry[1];
  };

  it("has the seven recipes", () => {
    expect(recipes()).toHaveLength(7);
  });

  it("lists the service, health and reflection", () => {
    expect(
      output(/ list$/)
        .trim()
        .split("\n")
        .sort(),
    ).toEqual([
      "checkpointd.v1.CheckpointService",
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]);
  });

  it("describes every RPC", () => {
    const described = output(/describe checkpointd/);
    for (const rpc of ["Put", "PutWrites", "GetTuple", "List", "DeleteThread", "CopyThread", "DeleteForRuns", "Prune"]) {
      expect(described).toMatch(new RegExp(`rpc ${rpc} \\(`));
    }
    expect(described).toMatch(/returns \( stream \.checkpointd\.v1\.ListResponse \)/);
  });

  it("puts, gets and lists the demo checkpoint", () => {
    const id = "1f0c3a2e-0000-6000-8000-000000000001";
    expect(JSON.parse(output(/\/Put$/))).toEqual({ config: { threadId: "demo", checkpointNs: "", checkpointId: id } });
    const tuple = {
      config: { threadId: "demo", checkpointNs: "", checkpointId: id },
      checkpoint: {
        v: 4,
        id,
        ts: "2026-11-23T00:00:00+00:00",
        channelValues: { messages: { type: "json", data: "WyJoaSJd" } },
        channelVersions: { messages: { intValue: "1" } },
      },
      metadata: { source: "input", step: -1 },
    };
    expect(JSON.parse(output(/\/GetTuple$/))).toEqual({ tuple });
    expect(JSON.parse(output(/\/List$/))).toEqual({ tuple });
    expect(JSON.parse(output(/^curl /))).toEqual({ tuple });
  });

  it("reports health", () => {
    expect(JSON.parse(output(/Health\/Check$/))).toEqual({ status: "SERVING" });
  });
});
