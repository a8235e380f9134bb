import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { WatchResponse } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { openWatch, sampleHistory } from "@checkpointd/test-support";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";

describe("Watch on one server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("pglite");
  });
  afterAll(() => server.close());

  it("pushes saves, writes, interrupts, resumes and claims in order, and replays from an id", async () => {
    const watch = openWatch(server.client);
    watch.send({ kind: { case: "subscribe", value: { threadId: "w1" } } });
    const steps = sampleHistory("w1", "");
    await server.client.put(steps[0]!.put);
    await server.client.put(steps[1]!.put);
    for (const writes of steps[1]!.writes) await server.client.putWrites(writes);

    const kinds: string[] = [];
    const ids: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      const { event } = await watch.nextEvent();
      kinds.push(event!.kind.case!);
      ids.push(event!.eventId);
    }
    // Two puts; task-a's writes (with __interrupt__) and task-b's (__error__ only).
    expect(kinds).toEqual(["checkpointSaved", "checkpointSaved", "writesSaved", "interrupted", "writesSaved"]);
    expect(ids).toEqual([1n, 2n, 3n, 4n, 5n]);

    watch.send({
      kind: { case: "resume", value: { threadId: "w1", values: { "interrupt-1": { type: "json", data: new Uint8Array([1]) } } } },
    });
    const answers: WatchResponse[] = [await watch.nextEvent(), await watch.nextEvent()];
    const resumed = answers.find((a) => a.resumed !== undefined)!.resumed!;
    const requested = answers.find((a) => a.event?.kind.case === "resumeRequested")!.event!;
    expect(requested.eventId).toBe(resumed.eventId);

    const first = await server.client.claimResume({ threadId: "w1", workerId: "worker-a" });
    expect(first.claimed).toBe(true);
    expect(first.resumeId).toBe(resumed.resumeId);
    expect([...first.values["interrupt-1"]!.data]).toEqual([1]);
    expect((await server.client.claimResume({ threadId: "w1", workerId: "worker-b" })).claimed).toBe(false);
    const claimedEvent = (await watch.nextEvent()).event!;
    expect(claimedEvent.kind).toMatchObject({ case: "resumeClaimed", value: { resumeId: resumed.resumeId, workerId: "worker-a" } });
    // The winner retrying its claim (its answer was lost) gets the same resume again; others still do not.
    const retried = await server.client.claimResume({ threadId: "w1", resumeId: resumed.resumeId, workerId: "worker-a" });
    expect(retried).toMatchObject({ claimed: true, resumeId: resumed.resumeId, checkpointNs: first.checkpointNs });
    expect([...retried.values["interrupt-1"]!.data]).toEqual([1]);
    const other = await server.client.claimResume({ threadId: "w1", resumeId: resumed.resumeId, workerId: "worker-b" });
    expect(other.claimed).toBe(false);
    expect(other.values).toEqual({});

    // A bad request gets an error event; the stream lives on.
    watch.send({ kind: { case: "subscribe", value: { threadId: "" } } });
    expect((await watch.nextEvent()).event?.kind).toMatchObject({ case: "error", value: { code: 3 } });
    watch.close();

    // Subscribe (server streaming) from an id replays exactly what followed it.
    const controller = new AbortController();
    const replayed: bigint[] = [];
    for await (const { event } of server.client.subscribe({ threadId: "w1", afterEventId: 4n }, { signal: controller.signal })) {
      if (event!.kind.case === "heartbeat") continue;
      replayed.push(event!.eventId);
      if (event!.eventId === claimedEvent.eventId) break;
    }
    controller.abort();
    expect(replayed).toEqual(Array.from({ length: Number(claimedEvent.eventId - 4n) }, (_, i) => 5n + BigInt(i)));
  });
});

describe("an interrupt whose writes overtake its checkpoint (LangGraph's async durability)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("pglite");
  });
  afterAll(() => server.close());

  it("is announced only once the checkpoint is stored, so a watcher can resume from it at once", async () => {
    const watch = openWatch(server.client);
    watch.send({ kind: { case: "subscribe", value: { threadId: "overtaken" } } });
    const [first, second] = sampleHistory("overtaken", "");
    await server.client.put(first!.put);
    expect((await watch.nextEvent()).event?.kind.case).toBe("checkpointSaved");

    // The interrupt's writes arrive first; its checkpoint 150 ms later.
    const interruptWrites = second!.writes.find((w) => w.writes.some((x) => x.channel === "__interrupt__"))!;
    const writesDone = server.client.putWrites(interruptWrites);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await server.client.put(second!.put);
    await writesDone;

    const seen: string[] = [];
    let latestAtInterrupt: string | undefined;
    while (!seen.includes("interrupted")) {
      const { event } = await watch.nextEvent();
      seen.push(event!.kind.case!);
      if (event!.kind.case === "interrupted") {
        const { tuple } = await server.client.getTuple({ config: { threadId: "overtaken" } });
        latestAtInterrupt = tuple?.config?.checkpointId;
      }
    }
    expect(seen).toEqual(["checkpointSaved", "writesSaved", "interrupted"]);
    expect(latestAtInterrupt).toBe(second!.put.checkpoint!.id);
    watch.close();
  });

  it("still saves and announces interrupt writes whose checkpoint never comes, after a bounded wait", async () => {
    const started = Date.now();
    await server.client.putWrites({
      config: { threadId: "orphan", checkpointId: "1f0b0000-0000-6000-8000-000000000009" },
      taskId: "t",
      writes: [{ channel: "__interrupt__", value: { type: "json", data: new Uint8Array([1]) } }],
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    const kinds: string[] = [];
    for await (const { event } of server.client.subscribe({ threadId: "orphan" }, { signal: AbortSignal.timeout(5_000) })) {
      if (event!.kind.case === "heartbeat") continue;
      kinds.push(event!.kind.case!);
      if (kinds.length === 2) break;
    }
    expect(kinds).toEqual(["writesSaved", "interrupted"]);
  });
});

describe("Watch for browsers: Subscribe over gRPC-Web, Resume and ClaimResume over Connect JSON", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("pglite");
  });
  afterAll(() => server.close());

  it("pushes a resume sent over HTTP/1.1 to a gRPC-Web subscriber, and claims it once", async () => {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const web = createClient(CheckpointService, createGrpcWebTransport({ baseUrl: base, httpVersion: "1.1" }));
    const json = createClient(CheckpointService, createConnectTransport({ baseUrl: base, httpVersion: "1.1", useBinaryFormat: false }));
    const steps = sampleHistory("browser", "");
    await server.client.put(steps[1]!.put);
    await server.client.putWrites(steps[1]!.writes[0]!);

    const controller = new AbortController();
    const seen: string[] = [];
    const subscriber = (async () => {
      for await (const { event } of web.subscribe({ threadId: "browser" }, { signal: controller.signal })) {
        if (event!.kind.case === "heartbeat") continue;
        seen.push(event!.kind.case!);
        if (event!.kind.case === "resumeClaimed") return;
      }
    })();
    const { resumeId } = await json.resume({
      threadId: "browser",
      values: { i1: { type: "json", data: new TextEncoder().encode('"yes"') } },
    });
    const claims = await Promise.all(["w1", "w2"].map((workerId) => json.claimResume({ threadId: "browser", resumeId, workerId })));
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    await subscriber;
    controller.abort();
    expect(seen).toEqual(["checkpointSaved", "writesSaved", "interrupted", "resumeRequested", "resumeClaimed"]);
  });
});
