import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runCheckpointd, type RunningCheckpointd } from "@checkpointd/test-support";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exampleDir = fileURLToPath(new URL("..", import.meta.url));
const readmePath = fileURLToPath(new URL("../../../README.md", import.meta.url));

/** The README's TypeScript example: the ```ts block between its typescript-example markers. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(readmePath, "utf8");
  const section = /<!-- typescript-example:start -->\n```ts\n([\s\S]*?)```\n<!-- typescript-example:end -->/.exec(readme);
  if (section === null) throw new Error("README.md has no typescript-example block");
  return section[1]!;
}

describe("the README's TypeScript example", () => {
  let server: RunningCheckpointd;
  beforeAll(async () => {
    server = await runCheckpointd();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("runs as written (with the test server's address) and prints what its comment says", async () => {
    const code = await readmeExample();
    expect(code).toContain('CheckpointdSaver.fromUrl("127.0.0.1:50051")');
    // tsx evaluates the TypeScript from this package, where its imports resolve as in a user's project.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url)),
        "--input-type=module",
        "--eval",
        code.replace("127.0.0.1:50051", server.address),
      ],
      { cwd: exampleDir, env: { PATH: process.env.PATH ?? "" }, timeout: 60_000 },
    );
    const promised = /^\/\/ (\[.*\])$/m.exec(code)![1]!;
    expect(stdout.trim()).toBe(promised);
  });
});
