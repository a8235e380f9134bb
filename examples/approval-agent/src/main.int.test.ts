import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runCheckpointd, type RunningCheckpointd } from "@checkpointd/test-support";
import { CheckpointdSaver } from "@checkpointd/langgraph";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exampleDir = fileURLToPath(new URL("..", import.meta.url));

/** The example's one command (`pnpm example` runs exactly this in examples/approval-agent), as its own process. */
async function runExample(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: exampleDir,
    env: { PATH: process.env.PATH ?? "", ...env },
    timeout: 60_000,
  });
  return stdout;
}

describe("examples/approval-agent", () => {
  it("runs against the embedded server it starts: interrupt, approval through Watch + Resume, resume in worker 2", async () => {
    const output = await runExample([]);
    expect(output).toMatch(/checkpointd at 127\.0\.0\.1:\d+ \(embedded, throwaway data\)/);
    expect(output).toContain("[approver] Publish 1.4.0? (yes/no)");
    expect(output).toContain("[worker 1] wrote notes for 1.4.0; paused before approval");
    expect(output).toContain('[worker 2] resumed with "yes": wrote notes for 1.4.0; approver said "yes"; published 1.4.0');
    expect(output).toMatch(/: 5 checkpoints, decision "yes", final step "published 1\.4\.0"/);
  });

  describe("against a running server (CHECKPOINTD_URL)", () => {
    let server: RunningCheckpointd;
    beforeAll(async () => {
      server = await runCheckpointd();
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("leaves the finished thread in the server, readable by any other saver", async () => {
      const output = await runExample(["--answer", "no", "--version", "2.0.0"], { CHECKPOINTD_URL: server.address });
      const threadId = /thread (release-\d+): /.exec(output)?.[1];
      expect(threadId).toBeDefined();
      expect(output).toContain('[worker 2] resumed with "no"');
      const saver = CheckpointdSaver.fromUrl(server.address);
      try {
        const tuple = await saver.getTuple({ configurable: { thread_id: threadId! } });
        expect(tuple?.checkpoint.channel_values).toMatchObject({ version: "2.0.0", decision: "no" });
        expect(tuple?.checkpoint.channel_values.log).toEqual(["wrote notes for 2.0.0", 'approver said "no"', "shelved 2.0.0"]);
        const history = [];
        for await (const t of saver.list({ configurable: { thread_id: threadId! } })) history.push(t.metadata?.step);
        expect(history).toEqual([3, 2, 1, 0, -1]);
      } finally {
        await saver.close();
      }
    });
  });
});
