import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { clone, create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ChannelVersionSchema, CheckpointConfigSchema, TypedValueSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { PutRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { createDatabase, type PostgresInstance, sampleHistory, startPostgres } from "@checkpointd/test-support";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";

async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

describe("PostgreSQL going away and coming back", () => {
  let postgres: PostgresInstance;
  let server: TestServer;
  const steps = sampleHistory("outage", "");

  beforeAll(async () => {
    postgres = await startPostgres();
    server = await startTestServer("postgres", await createDatabase(postgres.url));
    for (const step of steps) await server.client.put(step.put);
    // 40 tuples of 256 KiB each: far more than the HTTP/2 window, so the server is mid-stream when Postgres stops.
    const big = { type: "bytes", data: new Uint8Array(256 * 1024).fill(7) };
    for (let i = 0; i < 40; i++) {
      const put = clone(PutRequestSchema, steps[2]!.put);
      put.config = create(CheckpointConfigSchema, { threadId: "long" });
      put.checkpoint!.id = `c-${String(i).padStart(3, "0")}`;
      put.checkpoint!.channelValues.big = create(TypedValueSchema, big);
      put.checkpoint!.channelVersions.big = create(ChannelVersionSchema, { kind: { case: "intValue", value: 1n } });
      if (i === 0) put.newVersions.big = create(ChannelVersionSchema, { kind: { case: "intValue", value: 1n } });
      await server.client.put(put);
    }
  });
  afterAll(async () => {
    await server?.close();
    await postgres?.destroy();
  });

  it("answers UNAVAILABLE without a stack trace while Postgres is down, and serves again once it is back", async () => {
    // A List stream in flight when Postgres stops ends with UNAVAILABLE.
    const stream = server.client.list({ config: { threadId: "long" } })[Symbol.asyncIterator]();
    expect((await stream.next()).value?.tuple?.checkpoint?.id).toBe("c-039");
    await postgres.stop();
    const midStream = await failure(
      (async () => {
        for (let r = await stream.next(); !r.done; r = await stream.next());
      })(),
    );
    expect(midStream.code).toBe(Code.Unavailable);

    for (const call of [
      server.client.getTuple({ config: { threadId: "outage" } }),
      server.client.put(steps[0]!.put),
      server.client.putWrites(steps[1]!.writes[0]!),
      server.client.deleteThread({ threadId: "outage" }),
    ]) {
      const error = await failure(call);
      expect(error.code).toBe(Code.Unavailable);
      expect(error.rawMessage).toMatch(/^storage unavailable/);
      expect(error.rawMessage).not.toMatch(/\n\s+at |\.js:\d+|ECONNREFUSED/);
    }

    await postgres.start();
    const { tuple } = await server.client.getTuple({ config: { threadId: "outage" } });
    expect(tuple?.checkpoint?.id).toBe(steps[2]!.put.checkpoint!.id);
    const put = clone(PutRequestSchema, steps[0]!.put);
    put.config = create(CheckpointConfigSchema, { threadId: "after-outage" });
    await server.client.put(put);
    expect((await server.client.getTuple({ config: { threadId: "after-outage" } })).tuple).toBeDefined();
  });
});
