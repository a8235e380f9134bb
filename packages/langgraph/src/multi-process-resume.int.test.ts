import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runCheckpointd, type RunningCheckpointd } from "@checkpointd/test-support";
import { CheckpointdSaver } from "./checkpointd-saver.js";
import { buildApprovalGraph, runTestProcess as runProcess } from "@checkpointd/test-support/langgraph";

describe("a graph interrupted in one process and resumed in another", () => {
  let server: RunningCheckpointd;
  beforeAll(async () => {
    server = await runCheckpointd();
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

describe("multi-turn memory across processes", () => {
  let server: RunningCheckpointd;
  beforeAll(async () => {
    server = await runCheckpointd();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("turn 2, in a new process on the same thread_id, gets state that still holds turn 1", async () => {
    const thread = `chat-${Date.now()}`;
    const address = server.address;
    const turn1 = runProcess("run-chat-turn", { address, thread, message: "my name is Chulsoo" });
    const first = await turn1.done;
    expect(first.messages).toEqual(["my name is Chulsoo", "noted: my name is Chulsoo"]);

    const turn2 = runProcess("run-chat-turn", { address, thread, message: "what is my name?" });
    const second = await turn2.done;
    expect(second.messages).toEqual(["my name is Chulsoo", "noted: my name is Chulsoo", "what is my name?", "your name is Chulsoo"]);
    expect(new Set([turn1.pid, turn2.pid, process.pid]).size).toBe(3);
    // Another thread knows nothing of it.
    const other = await runProcess("run-chat-turn", { address, thread: `${thread}-other`, message: "what is my name?" }).done;
    expect(other.messages).toEqual(["what is my name?", "your name is unknown"]);
  });
});
