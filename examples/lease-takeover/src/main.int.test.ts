import { describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exampleDir = fileURLToPath(new URL("..", import.meta.url));

describe("examples/lease-takeover", () => {
  it("worker 1 is SIGKILLed mid-run; worker 2 takes the lease after its ttl, finishes from the last checkpoint; the late write is refused", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: exampleDir,
      env: { PATH: process.env.PATH ?? "" },
      timeout: 60_000,
    });
    expect(stdout).toContain("[worker-1] holds the lease, fencing token 1");
    expect(stdout).toContain("[main] worker-1 SIGKILLed mid-run");
    const took = /\[worker-2\] took the lease after (\d+) ms, fencing token 2/.exec(stdout);
    expect(took).not.toBeNull();
    // Not before the ttl (2 s, less the age of worker 1's last renewal), not long after.
    expect(Number(took![1])).toBeGreaterThan(500);
    expect(Number(took![1])).toBeLessThan(5_000);
    // Worker 1's steps whose checkpoints landed before the kill, then worker 2's from there: each step once.
    const finished = /\[worker-2\] finished: (.*)/.exec(stdout)![1]!.split("; ");
    expect(finished.map((s) => Number(s.split(" ").at(-1)))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(finished[0]).toBe("worker-1 did step 1");
    expect(stdout).toContain("worker-2 did step 6");
    expect(stdout).toMatch(/worker-1's late write is refused: .*fencing token 1 is stale/);
    expect(stdout).toMatch(/: \d+ checkpoints in one chain \(no fork\)/);
  }, 90_000);
});
