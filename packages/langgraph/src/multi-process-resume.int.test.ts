import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnCheckpointd, type RunningCheckpointd } from "@checkpointd/client/testing";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CheckpointdSaver } from "./checkpointd-saver.js";
import { buildApprovalGraph } from "./testing/approval-graph.js";

/** Runs one of the built test programs (dist/testing) as its own OS process; resolves with its JSON report. */
function runProcess(script: string, args: Record<string, string>): { pid: number; done: Promise<Record<string, unknown>> } {
  const path = fileURLToPath(new URL(`../dist/testing/${script}.js`, import.meta.url));
  const child = spawn(process.execPath, [path, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, v])], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`${script} exited with ${code}:\n${stdout}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>);
    });
  });
  return { pid: child.pid!, done };
}

describe("a graph interrupted in one process and resumed in another", () => {
  let server: RunningCheckpointd;
  beforeAll(async () => {
    server = await spawnCheckpointd();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("worker 1 stops at interrupt() and exits; an approver answers through Watch + Resume; worker 2 gets it through watch() and finishes", async () => {
    const thread = `approval-${Date.now()}`;
    const address = server.address;
    // Worker 2 and the approver only know the thread id; events are durable, so they may start first.
    const worker2 = runProcess("run-resume-worker", { address, thread, worker: "worker-2" });
    const approver = runProcess("run-approver", { address, thread, answer: "approved by Ada" });
    const worker1 = runProcess("run-interrupt-worker", { address, thread, request: "release 1.2" });

    const first = await worker1.done;
    expect(first.next).toEqual(["approve"]);
    expect(first.interrupts).toEqual([expect.objectContaining({ value: { question: 'approve "release 1.2"?' } })]);
    expect(first.log).toEqual(["drafted release 1.2"]);

    const answered = await approver.done;
    expect(answered.question).toEqual([{ question: 'approve "release 1.2"?' }]);

    const second = await worker2.done;
    expect(second.resumeId).toBe(answered.resumeId);
    expect(second.approved).toBe("approved by Ada");
    expect(second.log).toEqual(["drafted release 1.2", "approval: approved by Ada", "published release 1.2 (approved by Ada)"]);
    expect(new Set([worker1.pid, approver.pid, worker2.pid, process.pid]).size).toBe(4);

    // The finished state, read by yet another saver.
    const saver = CheckpointdSaver.fromUrl(address);
    try {
      const state = await buildApprovalGraph(saver).getState({ configurable: { thread_id: thread } });
      expect(state.next).toEqual([]);
      expect(state.values.approved).toBe("approved by Ada");
    } finally {
      await saver.close();
    }
  });
});
