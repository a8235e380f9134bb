import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { createCheckpointdClient, type CheckpointdClient } from "@checkpointd/client";
import { createDatabase, runCheckpointdVerb } from "@checkpointd/test-support";
import {
  CheckpointdSaver,
  fillLanggraphSaver,
  openLanggraphPostgresSaver,
  resumeApproval,
  saverHistory,
  type FilledThreads,
} from "@checkpointd/test-support/langgraph";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";

/**
 * `checkpointd import-langgraph`: a database filled by LangGraph.js's own PostgresSaver running
 * real graphs (one left at its interrupt) is imported through a running server; every checkpoint
 * reads back through CheckpointdSaver as PostgresSaver returns it, the interrupted run resumes on
 * checkpointd and finishes, and a second import adds nothing.
 */
describe("import-langgraph from LangGraph.js's PostgresSaver", () => {
  let server: TestServer;
  let client: CheckpointdClient;
  let source: Awaited<ReturnType<typeof openLanggraphPostgresSaver>>;
  let sourceUrl: string;
  let threads: FilledThreads;
  const schema = "lg_js";

  beforeAll(async () => {
    sourceUrl = await createDatabase(process.env.CHECKPOINTD_TEST_DATABASE_URL!);
    source = await openLanggraphPostgresSaver(sourceUrl, schema);
    threads = await fillLanggraphSaver(source, "js");
    server = await startTestServer("postgres");
    client = createCheckpointdClient({ address: server.address });
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
    await source?.end();
  });

  test("imports every thread, LangGraph-level equal; the interrupted run resumes; a second run adds nothing", async () => {
    const first = await runCheckpointdVerb([
      "import-langgraph",
      "--from",
      sourceUrl,
      "--schema",
      schema,
      "--server",
      server.address,
      "--json",
    ]);
    expect(first.stderr).toContain('"progress"');
    expect(first.code).toBe(0);
    const imported = (JSON.parse(first.stdout.trim().split("\n").at(-1)!) as { imported: Record<string, number> }).imported;
    let total = 0;
    const saver = new CheckpointdSaver(client);
    for (const thread of threads.all) {
      const want = await saverHistory(source, thread);
      const got = await saverHistory(saver, thread);
      expect(want.list.length).toBeGreaterThan(1);
      expect(got).toEqual(want);
      total += want.list.length;
    }
    expect(imported).toMatchObject({ threads: threads.all.length, checkpoints: total, skipped: 0 });
    expect(imported.writes).toBeGreaterThan(0);

    const second = await runCheckpointdVerb([
      "import-langgraph",
      "--from",
      sourceUrl,
      "--schema",
      schema,
      "--server",
      server.address,
      "--json",
    ]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout.trim().split("\n").at(-1)!)).toEqual({
      imported: { threads: threads.all.length, checkpoints: 0, skipped: total, writes: 0 },
    });
    const { count } = await server.db
      .selectFrom("checkpoints")
      .select((eb) => eb.fn.countAll<string>().as("count"))
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(total);

    const state = await resumeApproval(saver, threads.interrupted, "approved on checkpointd");
    expect(state.log).toEqual(["drafted release 2", "approval: approved on checkpointd", "published release 2 (approved on checkpointd)"]);
  });

  test("a human summary, and a clear failure for a database without the tables", async () => {
    const again = await runCheckpointdVerb(["import-langgraph", "--from", sourceUrl, "--schema", schema, "--server", server.address]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^imported 0 checkpoints and 0 writes of 4 threads \(\d+ already there\)\n$/);
    const wrong = await runCheckpointdVerb(["import-langgraph", "--from", sourceUrl, "--schema", "nope", "--server", server.address]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("no table nope.checkpoints");
    const missing = await runCheckpointdVerb(["import-langgraph", "--server", server.address]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--from postgres://… is required");
  });
});
