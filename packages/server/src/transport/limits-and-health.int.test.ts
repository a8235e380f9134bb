import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Client, credentials, loadPackageDefinition, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import {
  PutRequestSchema,
  GetTupleRequestSchema,
  GetTupleResponseSchema,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import {
  createDatabase,
  type PostgresInstance,
  spawnCheckpointd,
  type SpawnedCheckpointd,
  startPostgres,
  waitUntil,
} from "@checkpointd/test-support";

type HealthClient = Client & {
  check(request: { service: string }, callback: (error: ServiceError | null, response?: { status: string }) => void): void;
};

/** A plain @grpc/grpc-js client: bytes in, bytes out, statuses as grpc-js shows them. */
function unary(
  client: Client,
  method: string,
  body: Uint8Array,
  deadlineMs = 10_000,
): Promise<{ error: ServiceError | null; bytes?: Buffer }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      `/checkpointd.v1.CheckpointService/${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      new Metadata(),
      { deadline: Date.now() + deadlineMs },
      (error, bytes) => resolve({ error, ...(bytes === undefined ? {} : { bytes }) }),
    );
  });
}

describe("limits, errors and health over the wire", () => {
  let postgres: PostgresInstance;
  let server: SpawnedCheckpointd;
  let client: Client;
  let health: HealthClient;

  beforeAll(async () => {
    postgres = await startPostgres();
    server = await spawnCheckpointd([], { DATABASE_URL: await createDatabase(postgres.url) });
    client = new Client(`127.0.0.1:${server.port}`, credentials.createInsecure(), {
      "grpc.max_send_message_length": 64 * 1024 * 1024,
    });
    const healthPackage = loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => HealthClient } } };
    };
    health = new healthPackage.grpc.health.v1.Health(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    health?.close();
    await server?.stop();
    await postgres?.destroy();
  });

  const check = (service: string) =>
    new Promise<string>((resolve, reject) =>
      health.check({ service }, (error, response) => (error ? reject(error) : resolve(response!.status))),
    );

  it("answers a 20 MiB Put with RESOURCE_EXHAUSTED naming the limit, and keeps serving", async () => {
    const big = create(PutRequestSchema, {
      config: { threadId: "big" },
      checkpoint: { id: "c1", channelValues: { v: { type: "bytes", data: new Uint8Array(20 * 1024 * 1024) } } },
    });
    const { error } = await unary(client, "Put", toBinary(PutRequestSchema, big));
    expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error?.details).toMatch(/16777216/);

    const small = create(PutRequestSchema, { config: { threadId: "small" }, checkpoint: { id: "c1" } });
    expect((await unary(client, "Put", toBinary(PutRequestSchema, small))).error).toBeNull();
  });

  it("shows grpc-js clients the error text unmangled", async () => {
    const { error } = await unary(client, "GetTuple", toBinary(GetTupleRequestSchema, create(GetTupleRequestSchema, {})));
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toBe("config.thread_id is required");
    const garbage = await unary(client, "GetTuple", new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect(garbage.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(garbage.error?.details).toBe("request body is not a valid checkpointd.v1.GetTupleRequest");
    const ok = await unary(
      client,
      "GetTuple",
      toBinary(GetTupleRequestSchema, create(GetTupleRequestSchema, { config: { threadId: "small" } })),
    );
    expect(fromBinary(GetTupleResponseSchema, ok.bytes!).tuple?.checkpoint?.id).toBe("c1");
  });

  it("reports NOT_SERVING within 2 s of Postgres stopping and SERVING after it is back", async () => {
    expect(await check("")).toBe("SERVING");
    expect(await check("checkpointd.v1.CheckpointService")).toBe("SERVING");
    await expect(check("nope")).rejects.toMatchObject({ code: status.NOT_FOUND });

    await postgres.stop();
    const stopped = Date.now();
    await waitUntil("NOT_SERVING", async () => expect(await check("")).toBe("NOT_SERVING"), { timeoutMs: 5_000 });
    expect(Date.now() - stopped).toBeLessThan(2_000);
    expect(await check("checkpointd.v1.CheckpointService")).toBe("NOT_SERVING");

    await postgres.start();
    await waitUntil("SERVING", async () => expect(await check("")).toBe("SERVING"), { timeoutMs: 10_000 });
    const ok = await unary(
      client,
      "GetTuple",
      toBinary(GetTupleRequestSchema, create(GetTupleRequestSchema, { config: { threadId: "small" } })),
    );
    expect(ok.error).toBeNull();
  });
});
