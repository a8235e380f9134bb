import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { TtlStrategy } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { retentionStep } from "@checkpointd/test-support";
import { startTestServer, testEngines, type TestServer } from "@checkpointd/test-support/server";

const hour = 3_600_000;

async function refusal(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

describe.each(testEngines)("SetRetention and GetThread over gRPC on %s", (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, undefined, {
      retention: { maxVersions: 50, maxAgeMs: 0, ttlMs: 24 * hour, ttlStrategy: "delete", refreshOnRead: false },
    });
    for (const ns of ["", "sub:1"]) {
      for (let i = 0; i < 3; i++) {
        const step = retentionStep("t1", ns, i);
        await server.client.put(step.put);
        await server.client.putWrites(step.writes);
      }
    }
  });
  afterAll(() => server.close());

  it("describes a thread: count, namespaces, bytes, clock and the defaults in force", async () => {
    const before = Date.now();
    const { thread } = await server.client.getThread({ threadId: "t1" });
    expect(thread).toBeDefined();
    expect(thread!.threadId).toBe("t1");
    expect(thread!.checkpointCount).toBe(6n);
    expect(thread!.namespaces).toEqual(["", "sub:1"]);
    // Six checkpoint rows, their values (a few dozen bytes each) and six writes.
    expect(Number(thread!.storedBytes)).toBeGreaterThan(6 * 30);
    const created = timestampDate(thread!.createdAt!).getTime();
    const written = timestampDate(thread!.lastWriteAt!).getTime();
    expect(created).toBeLessThanOrEqual(written);
    expect(written).toBeLessThanOrEqual(before + 1000);
    expect(timestampDate(thread!.expiresAt!).getTime()).toBe(written + 24 * hour);
    expect(thread!.policy).toMatchObject({ maxVersions: 50, pinned: false, ttlStrategy: TtlStrategy.DELETE });
    expect(thread!.policy!.ttl!.seconds).toBe(86_400n);
    expect(thread!.policy!.maxAge?.seconds ?? 0n).toBe(0n);
    expect(thread!.threadPolicy).toBeUndefined();
  });

  it("a write moves last_write_at and expires_at; created_at stays", async () => {
    const { thread: before } = await server.client.getThread({ threadId: "t1" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const step = retentionStep("t1", "", 3);
    await server.client.put(step.put);
    const { thread: after } = await server.client.getThread({ threadId: "t1" });
    expect(timestampDate(after!.createdAt!)).toEqual(timestampDate(before!.createdAt!));
    expect(timestampDate(after!.lastWriteAt!).getTime()).toBeGreaterThan(timestampDate(before!.lastWriteAt!).getTime());
    expect(timestampDate(after!.expiresAt!).getTime()).toBeGreaterThan(timestampDate(before!.expiresAt!).getTime());
    expect(after!.checkpointCount).toBe(7n);
  });

  it("SetRetention overrides the defaults field by field, pins, and an empty policy restores the defaults", async () => {
    const { thread: set } = await server.client.setRetention({
      threadId: "t1",
      policy: { maxVersions: 0, maxAge: { seconds: 7n * 86_400n }, ttlStrategy: TtlStrategy.KEEP_LATEST },
    });
    expect(set!.threadPolicy).toMatchObject({ maxVersions: 0, ttlStrategy: TtlStrategy.KEEP_LATEST, pinned: false });
    expect(set!.threadPolicy!.ttl).toBeUndefined();
    // In force: its own max_versions (0: all) and max_age, the default TTL.
    expect(set!.policy).toMatchObject({ maxVersions: 0, ttlStrategy: TtlStrategy.KEEP_LATEST });
    expect(set!.policy!.maxAge!.seconds).toBe(604_800n);
    expect(set!.policy!.ttl!.seconds).toBe(86_400n);
    expect(set!.expiresAt).toBeDefined();

    const { thread: pinned } = await server.client.setRetention({ threadId: "t1", policy: { pinned: true } });
    expect(pinned!.policy!.pinned).toBe(true);
    expect(pinned!.expiresAt).toBeUndefined();
    const { thread: read } = await server.client.getThread({ threadId: "t1" });
    expect(read!.threadPolicy!.pinned).toBe(true);

    const { thread: cleared } = await server.client.setRetention({ threadId: "t1" });
    expect(cleared!.threadPolicy).toBeUndefined();
    expect(cleared!.policy).toMatchObject({ maxVersions: 50, pinned: false });
    expect(cleared!.expiresAt).toBeDefined();
  });

  it("a thread with nothing stored is an answer, not an error; a policy may come before the first write", async () => {
    const { thread } = await server.client.getThread({ threadId: "nobody" });
    expect(thread).toMatchObject({ threadId: "nobody", checkpointCount: 0n, namespaces: [], storedBytes: 0n });
    expect(thread!.createdAt).toBeUndefined();
    expect(thread!.expiresAt).toBeUndefined();
    const { thread: pinned } = await server.client.setRetention({ threadId: "later", policy: { pinned: true } });
    expect(pinned!.checkpointCount).toBe(0n);
    expect(pinned!.threadPolicy!.pinned).toBe(true);
  });

  it("refuses bad input naming the field", async () => {
    const cases: Array<[Promise<unknown>, RegExp]> = [
      [server.client.getThread({ threadId: "" }), /thread_id/],
      [server.client.setRetention({ threadId: "", policy: {} }), /thread_id/],
      [server.client.setRetention({ threadId: "t1", policy: { maxVersions: -1 } }), /policy\.max_versions must not be negative/],
      [server.client.setRetention({ threadId: "t1", policy: { maxAge: { seconds: -5n } } }), /policy\.max_age must not be negative/],
      [server.client.setRetention({ threadId: "t1", policy: { ttl: { seconds: 10n ** 12n } } }), /policy\.ttl must be at most 100 years/],
      [server.client.setRetention({ threadId: "t1", policy: { ttlStrategy: 7 as TtlStrategy } }), /policy\.ttl_strategy 7/],
    ];
    for (const [call, message] of cases) {
      const error = await refusal(call);
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toMatch(message);
    }
    // Nothing half-written: the thread keeps no policy from the refused calls.
    const { thread } = await server.client.getThread({ threadId: "t1" });
    expect(thread!.threadPolicy).toBeUndefined();
  });
});
