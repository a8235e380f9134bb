import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { WatchResponse } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { openWatch } from "../testing/open-watch.js";
import { sampleHistory } from "../testing/sample-history.js";
import { startTestServer, type TestServer } from "../testing/start-test-server.js";

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
