import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { create, toBinary } from "@bufbuild/protobuf";
import { createCheckpointdClient, type CheckpointdClient } from "@checkpointd/client";
import { CheckpointTupleSchema, type CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCheckpointdVerb, sampleHistory } from "@checkpointd/test-support";
import { buildApprovalGraph, buildChatGraph, CheckpointdSaver, resumeApproval, waitForResume } from "@checkpointd/test-support/langgraph";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;

async function listAll(client: CheckpointdClient, threadId: string): Promise<CheckpointTuple[]> {
  const out: CheckpointTuple[] = [];
  for await (const tuple of client.list({ config: { threadId } })) out.push(tuple);
  return out;
}

const bytesOf = (tuples: readonly CheckpointTuple[]) =>
  tuples.map((t) => Buffer.from(toBinary(CheckpointTupleSchema, t)).toString("base64"));

/** Each client verb against a real server over the wire, as a user runs it: human output and --json. */
describe("client verbs", () => {
  let server: TestServer;
  let client: CheckpointdClient;
  let dir: string;
  const sampleThreads = ["verbs-sample-1", "verbs-sample-2"];
  // verbs-live is written while a watch runs.
  const chat = "verbs-chat";
  const approval = "verbs-approval";
  const verb = (...args: string[]) => runCheckpointdVerb([...args, "--server", server.address]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "checkpointd-verbs-"));
    server = await startTestServer("postgres");
    client = createCheckpointdClient({ address: server.address });
    for (const thread of sampleThreads) {
      for (const step of sampleHistory(thread)) {
        await client.put(step.put);
        for (const w of step.writes) await client.putWrites(w);
      }
    }
    const saver = new CheckpointdSaver(client);
    const graph = buildChatGraph(saver);
    for (const text of ["hello", "my name is Ada"]) await graph.invoke({ messages: [text] }, { configurable: { thread_id: chat } });
    await buildApprovalGraph(saver).invoke({ request: "launch" }, { configurable: { thread_id: approval } });
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test("threads: a table, and JSON with counts", async () => {
    const human = await verb("threads");
    expect(human.code).toBe(0);
    expect(human.stdout.split("\n")[0]).toMatch(/^THREAD\s+CHECKPOINTS\s+NAMESPACES\s+LATEST\s+UPDATED$/);
    for (const t of [...sampleThreads, chat, approval]) expect(human.stdout).toContain(t);
    const json = await verb("threads", "--json", "--prefix", "verbs-sample");
    expect(json.code).toBe(0);
    const { threads } = lastJson(json.stdout) as { threads: { thread_id: string; checkpoints: number; namespaces: string[] }[] };
    expect(threads.map((t) => t.thread_id).sort()).toEqual(sampleThreads);
    expect(threads[0]).toMatchObject({ checkpoints: 3, namespaces: ["parent:1|child:2"] });
  });

  test("history: newest first, with step, source and writes", async () => {
    const human = await verb("history", chat);
    expect(human.code).toBe(0);
    const rows = human.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^CHECKPOINT\s+NS\s+TS\s+STEP\s+SOURCE\s+PARENT\s+WRITES$/);
    const json = await verb("history", chat, "--json");
    const { checkpoints } = lastJson(json.stdout) as { checkpoints: { checkpoint_id: string; metadata: { step: number } }[] };
    expect(rows).toHaveLength(checkpoints.length + 1);
    expect(checkpoints.map((c) => c.metadata.step)).toEqual([...checkpoints.map((c) => c.metadata.step)].sort((a, b) => b - a));
    expect(rows[1]).toContain(checkpoints[0]!.checkpoint_id);
    const interrupted = await verb("history", approval, "--limit", "1");
    expect(interrupted.stdout).toContain("(interrupt)");
  });

  test("show: channels decoded (json) or hex (bytes), pending writes; a missing checkpoint is a clear failure", async () => {
    const human = await verb("show", chat);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`thread      ${chat}`);
    expect(human.stdout).toMatch(
      /messages\s+\d+(\.\d+)?\s+json\s+\d+\s+\["hello","noted: hello","my name is Ada","noted: my name is Ada"\]/,
    );
    const json = await verb("show", "verbs-sample-1", "1f0a0000-0000-6000-8000-000000000003", "--ns", "parent:1|child:2", "--json");
    const view = lastJson(json.stdout) as {
      channels: Record<string, { version: unknown; type: string; value: unknown }>;
      pending_writes: unknown[];
    };
    expect(view.channels.f).toMatchObject({ version: 1.5, type: "bytes", value: { $type: "bytes" } });
    expect(view.channels.py!.version).toBe("00000000000000000000000000000003.0.32345678901234");
    expect(view.pending_writes).toHaveLength(1);
    const missing = await verb("show", "no-such-thread");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("checkpointd show: no checkpoint on thread no-such-thread\n");
  });

  test("diff: the messages a turn added", async () => {
    const { checkpoints } = lastJson((await verb("history", chat, "--json")).stdout) as {
      checkpoints: { checkpoint_id: string; metadata: { step: number } }[];
    };
    const [newest] = checkpoints;
    const oldest = checkpoints.find((c) => c.metadata.step === 1)!;
    const human = await verb("diff", chat, oldest.checkpoint_id, newest!.checkpoint_id);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("~ messages");
    expect(human.stdout).toContain('+ messages[2]: "my name is Ada"');
    const json = await verb("diff", chat, oldest.checkpoint_id, newest!.checkpoint_id, "--json");
    const diff = lastJson(json.stdout) as { changed: { channel: string; changes: { path: string; op: string; after: unknown }[] }[] };
    expect(diff.changed.find((c) => c.channel === "messages")!.changes).toEqual([
      { path: "messages[2]", op: "added", after: "my name is Ada" },
      { path: "messages[3]", op: "added", after: "noted: my name is Ada" },
    ]);
  });

  test("watch: the thread's events from the log, then live; human and JSON", async () => {
    const human = await verb("watch", approval, "--count", "2");
    expect(human.code).toBe(0);
    expect(human.stdout.trim().split("\n")).toHaveLength(2);
    expect(human.stdout).toMatch(/^1 {2}\S+ {2}(checkpointSaved|writesSaved) {2}\S+=/);
    const log = await verb("watch", approval, "--json", "--timeout", "2");
    const events = log.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; event_id: number; value?: unknown });
    expect(events.map((e) => e.event_id)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(["checkpointSaved", "writesSaved", "interrupted"]));
    expect(events.find((e) => e.kind === "interrupted")!.value).toEqual([
      { id: expect.any(String), value: { question: 'approve "launch"?' } },
    ]);
    const live = verb("watch", "verbs-live", "--json", "--count", "1", "--timeout", "30");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await client.put(sampleHistory("verbs-live", "")[0]!.put);
    const seen = await live;
    expect(seen.code).toBe(0);
    expect(lastJson(seen.stdout)).toMatchObject({
      thread_id: "verbs-live",
      event_id: 1,
      kind: "checkpointSaved",
      checkpoint_id: "1f0a0000-0000-6000-8000-000000000001",
    });
  }, 40_000);

  test("resume: answers the pending interrupt; a worker claims it and the run finishes", async () => {
    const bad = await verb("resume", approval, "--value", "{not json");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--value: not JSON");
    const none = await verb("resume", chat, "--value", '"x"');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("has no pending interrupt");
    const worker = waitForResume(client, approval, "verbs-worker");
    const sent = await verb("resume", approval, "--value", '"ship it"', "--json");
    expect(sent.code).toBe(0);
    const { resume_id: resumeId, interrupts } = lastJson(sent.stdout) as { resume_id: string; interrupts: string[] };
    expect(interrupts).toHaveLength(1);
    const claimed = await worker;
    expect(claimed).toEqual({ resumeId, resume: "ship it" });
    const state = await resumeApproval(new CheckpointdSaver(client), approval, claimed.resume);
    expect(state.approved).toBe("ship it");
    const events = (await verb("watch", approval, "--json", "--timeout", "2")).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e.kind === "resumeRequested")).toMatchObject({
      resume_id: resumeId,
      values: { [interrupts[0]!]: "ship it" },
    });
    expect(events.find((e) => e.kind === "resumeClaimed")).toMatchObject({ resume_id: resumeId, worker_id: "verbs-worker" });
  });

  test("copy, prune and delete, human and JSON", async () => {
    expect((await verb("copy", "verbs-sample-1", "verbs-copy")).stdout).toBe("copied verbs-sample-1 to verbs-copy\n");
    expect(bytesOf(await listAll(client, "verbs-copy")).length).toBe(3);
    expect(lastJson((await verb("copy", "verbs-sample-1", "verbs-copy-2", "--json")).stdout)).toEqual({
      copied: { source: "verbs-sample-1", target: "verbs-copy-2" },
    });
    const badStrategy = await verb("prune", "verbs-copy", "--strategy", "some");
    expect(badStrategy.code).toBe(2);
    expect((await verb("prune", "verbs-copy", "--strategy", "keep_latest")).stdout).toBe("pruned verbs-copy (keep_latest)\n");
    expect(await listAll(client, "verbs-copy")).toHaveLength(1);
    expect(lastJson((await verb("delete", "verbs-copy", "verbs-copy-2", "--json")).stdout)).toEqual({
      deleted: ["verbs-copy", "verbs-copy-2"],
    });
    expect(await listAll(client, "verbs-copy-2")).toHaveLength(0);
  });

  test("export -> import into a fresh server reproduces every thread byte for byte; a second import adds nothing", async () => {
    const threads = [...sampleThreads, chat, approval];
    const exported = await verb("export", ...threads);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/exported \d+ checkpoints of 4 threads/);
    const file = join(dir, "export.jsonl");
    await writeFile(file, exported.stdout);
    const fresh = await startTestServer("postgres");
    try {
      const freshClient = createCheckpointdClient({ address: fresh.address });
      const imported = await runCheckpointdVerb(["import", file, "--server", fresh.address, "--json"]);
      expect(imported.code).toBe(0);
      expect(imported.stderr).toContain('"progress"');
      let total = 0;
      for (const thread of threads) {
        const want = await listAll(client, thread);
        const got = await listAll(freshClient, thread);
        expect(got.length).toBe(want.length);
        expect(bytesOf(got)).toEqual(bytesOf(want));
        total += want.length;
        for (const tuple of want) {
          const config = tuple.config!;
          const one = await freshClient.getTuple({ config });
          expect(bytesOf([one ?? create(CheckpointTupleSchema)])).toEqual(bytesOf([tuple]));
        }
      }
      expect(lastJson(imported.stdout)).toMatchObject({ imported: { threads: 4, checkpoints: total, skipped: 0, complete: true } });
      const again = await runCheckpointdVerb(["import", file, "--server", fresh.address]);
      expect(again.stdout).toBe(`imported 0 checkpoints and 0 writes of 4 threads (${total} already there)\n`);
      await freshClient.close();
    } finally {
      await fresh.close();
    }
    const cut = join(dir, "cut.jsonl");
    await writeFile(cut, exported.stdout.split("\n").slice(0, 3).join("\n"));
    const partial = await verb("import", cut);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toContain("has no end line");
    const notOurs = join(dir, "other.jsonl");
    await writeFile(notOurs, '{"hello":1}\n');
    const other = await verb("import", notOurs);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("line 1: not a line of a checkpointd export");
  });

  test("export --events carries a resume no worker claimed; import sends it again once, and the run finishes on the new server", async () => {
    const thread = "verbs-pending";
    await buildApprovalGraph(new CheckpointdSaver(client)).invoke({ request: "later" }, { configurable: { thread_id: thread } });
    expect((await verb("resume", thread, "--value", '"approved later"')).code).toBe(0);
    const exported = await verb("export", thread, "--events", "--json");
    expect(exported.code).toBe(0);
    const kinds = exported.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(kinds.filter((k) => k === "event").length).toBeGreaterThan(3);
    expect(lastJson(exported.stderr)).toMatchObject({ exported: { threads: 1, events: kinds.filter((k) => k === "event").length } });
    const file = join(dir, "pending.jsonl");
    await writeFile(file, exported.stdout);
    const fresh = await startTestServer("postgres");
    const freshClient = createCheckpointdClient({ address: fresh.address });
    try {
      const first = await runCheckpointdVerb(["import", file, "--server", fresh.address, "--json"]);
      expect(lastJson(first.stdout)).toMatchObject({ imported: { threads: 1, resumes: 1, skipped: 0 } });
      const second = await runCheckpointdVerb(["import", file, "--server", fresh.address, "--json"]);
      expect(lastJson(second.stdout)).toMatchObject({ imported: { threads: 1, checkpoints: 0, writes: 0, resumes: 0 } });
      const claimed = await waitForResume(freshClient, thread, "fresh-worker");
      expect(claimed.resume).toBe("approved later");
      const state = await resumeApproval(new CheckpointdSaver(freshClient), thread, claimed.resume);
      expect(state.log).toEqual(["drafted later", "approval: approved later", "published later (approved later)"]);
    } finally {
      await freshClient.close();
      await fresh.close();
    }
  });

  test("--help lists the verbs; a verb's --help its flags; errors of the server are named", async () => {
    const help = await runCheckpointdVerb(["--help"]);
    for (const name of [
      "threads",
      "history",
      "show",
      "diff",
      "resume",
      "watch",
      "copy",
      "delete",
      "prune",
      "export",
      "import",
      "import-langgraph",
    ]) {
      expect(help.stdout).toMatch(new RegExp(`\\n  ${name} +\\S`));
    }
    const own = await runCheckpointdVerb(["prune", "--help"]);
    expect(own.stdout).toContain("--strategy keep_latest|delete");
    expect(own.stdout).toContain("--token VALUE");
    const bad = await verb("show", "");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^checkpointd show: the server answered INVALID_ARGUMENT: .*thread_id/);
    const badJson = await verb("show", "", "--json");
    expect(lastJson(badJson.stdout)).toMatchObject({ error: { code: "INVALID_ARGUMENT" } });
  });
});
