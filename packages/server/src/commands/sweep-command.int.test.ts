import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { retentionStep, runCheckpointdVerb } from "@checkpointd/test-support";
import { createTestDatabase, startTestServer, type TestServer } from "@checkpointd/test-support/server";

describe("checkpointd sweep --once", () => {
  let server: TestServer;
  let url: string;
  beforeAll(async () => {
    url = (await createTestDatabase()).direct;
    // A server that does not sweep itself: the command does.
    server = await startTestServer("postgres", url);
    for (const t of ["a", "b"]) {
      for (let i = 0; i < 15; i++) {
        const step = retentionStep(t, "", i);
        await server.client.put(step.put);
        await server.client.putWrites(step.writes);
      }
    }
    await server.client.setRetention({ threadId: "b", policy: { pinned: true } });
  });
  afterAll(() => server.close());

  const count = async (threadId: string) => Number((await server.client.getThread({ threadId })).thread!.checkpointCount);

  it("--dry-run counts what a pass would delete and deletes nothing; then a pass deletes it", async () => {
    const env = { DATABASE_URL: url, RETENTION_MAX_VERSIONS: "5", LOG_LEVEL: "warn" };
    const dry = await runCheckpointdVerb(["sweep", "--once", "--dry-run", "--json"], env);
    expect(dry).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(dry.stdout)).toMatchObject({
      ran: true,
      dryRun: true,
      threadsExamined: 2,
      threadsPruned: 1,
      checkpointsDeleted: 10,
      writesDeleted: 10,
    });
    expect(await count("a")).toBe(15);

    // Their writes and the values only they referred to (a@1..10, b@1) go with them, and so do
    // their checkpoint_saved and writes_saved events.
    const real = await runCheckpointdVerb(["sweep", "--once", "--retention-max-versions", "5"], { DATABASE_URL: url, LOG_LEVEL: "warn" });
    expect(real.code).toBe(0);
    expect(real.stdout).toBe(
      "2 threads examined; deleted 0 threads and 10 checkpoints (with 10 writes, 11 values and 0 chunks), pruned 1 threads, " +
        "trimmed 20 events and 0 resumes\n",
    );
    // No REDIS_URL: it says that servers' in-process caches are out of its reach.
    expect(real.stderr).toMatch(/no REDIS_URL/);
    expect(await count("a")).toBe(5);
    expect(await count("b")).toBe(15);
  });

  it("refuses to run without --once, and a bad setting, with one line", async () => {
    const bare = await runCheckpointdVerb(["sweep"], { DATABASE_URL: url });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toBe("checkpointd: sweep: --once is required (the servers sweep every --sweep-interval by themselves)\n");
    const bad = await runCheckpointdVerb(["sweep", "--once", "--retention-max-age", "7"], { DATABASE_URL: url });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^checkpointd: --retention-max-age: expected a duration/);
  });
});
