import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { cliPath, freePort, spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";

const run = promisify(execFile);

describe("checkpointd health (the container health check)", () => {
  let server: SpawnedCheckpointd;
  beforeAll(async () => {
    server = await spawnCheckpointd(["--data-dir", "memory://"]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("prints SERVING and exits 0 for a running server, also when HOST is a wildcard", async () => {
    const { stdout } = await run(process.execPath, [cliPath, "health", "--port", String(server.port)]);
    expect(stdout).toBe("SERVING\n");
    const wildcard = await run(process.execPath, [cliPath, "health"], {
      env: { PATH: process.env.PATH ?? "", HOST: "0.0.0.0", PORT: String(server.port) },
    });
    expect(wildcard.stdout).toBe("SERVING\n");
  });

  it("exits 1 with one line when nothing answers", async () => {
    const port = await freePort();
    const error = (await run(process.execPath, [cliPath, "health", "--port", String(port)]).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(error.code).toBe(1);
    expect(error.stderr.trim().split("\n")).toHaveLength(1);
    expect(error.stderr).toMatch(new RegExp(`^checkpointd: health check of 127\\.0\\.0\\.1:${port} failed`));
  });
});
