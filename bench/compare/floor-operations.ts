import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CheckpointTupleSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import {
  CheckpointService,
  GetTupleRequestSchema,
  GetTupleResponseSchema,
  type GetTupleRequest,
  type GetTupleResponse,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { createCheckpointdClient, type CheckpointdClient } from "@checkpointd/client";
import { CheckpointdSaver } from "@checkpointd/langgraph";
import { Client, credentials } from "@grpc/grpc-js";
import { Redis } from "ioredis";
import pg from "pg";
import type { Operation } from "./run-closed-loop.js";

export type FloorId = "clientGetTuple" | "echo" | "saverEcho" | "echoGrpcJs" | "redisGet" | "selectOne";

export interface Floors {
  operations: Record<FloorId, Operation>;
  /** Size of the value the Redis floor reads: checkpointd's encoded tuple of the history's latest checkpoint. */
  redisValueBytes: number;
  /** Encoded size of the tuple the echo stub answers with. */
  echoTupleBytes: number;
  close(): Promise<void>;
}

export interface FloorOptions {
  /** The CheckpointdSaver's own client (same connection): GetTuple without LangGraph's decoding. */
  checkpointdClient: CheckpointdClient;
  historyThreadId: string;
  echoPort: number;
  redisUrl: string;
  databaseUrl: string;
  /** pg pool size for SELECT 1 (the same as PostgresSaver's). */
  poolSize: number;
}

/** GetTuple through a plain @grpc/grpc-js client (protobuf-es (de)serialization, a 10 s deadline). */
function grpcJsGetTuple(client: Client, request: GetTupleRequest): Promise<GetTupleResponse> {
  const path = `/${CheckpointService.typeName}/${CheckpointService.method.getTuple.name}`;
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      path,
      (message: GetTupleRequest) => Buffer.from(toBinary(GetTupleRequestSchema, message)),
      (bytes: Buffer) => fromBinary(GetTupleResponseSchema, bytes),
      request,
      { deadline: Date.now() + 10_000 },
      (error, response) => (error || response === undefined ? reject(error ?? new Error("no response")) : resolve(response)),
    ),
  );
}

/**
 * What sits under each saver call: checkpointd's client.getTuple (the
 * CheckpointdSaver path minus LangGraph's decode), the same client against
 * the bare grpc-js echo stub, a CheckpointdSaver against the same stub (the
 * echo with LangGraph's decoding of the canned tuple: the floor of
 * CheckpointdSaver.getTuple), for reference a plain @grpc/grpc-js client
 * against the same stub (what the transport costs with another client
 * library), an ioredis GET of the bytes the L1 holds for the hot tuple, and a
 * pg `SELECT 1`.
 */
export async function startFloors(options: FloorOptions): Promise<Floors> {
  const echoClient = createCheckpointdClient({ address: `127.0.0.1:${options.echoPort}`, retry: false });
  const echoSaver = CheckpointdSaver.fromUrl(`127.0.0.1:${options.echoPort}`);
  const grpcJsClient = new Client(`127.0.0.1:${options.echoPort}`, credentials.createInsecure());
  const echoRequest = create(GetTupleRequestSchema, { config: { threadId: "bench" } });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize });
  try {
    const request = { config: { threadId: options.historyThreadId } };
    const latest = await options.checkpointdClient.getTuple(request);
    if (latest === undefined) throw new Error("the history has no latest tuple");
    const value = Buffer.from(toBinary(CheckpointTupleSchema, latest));
    const key = "bench:floor:tuple";
    await redis.set(key, value);
    const echoed = await echoClient.getTuple({ config: { threadId: "bench" } });
    if (echoed === undefined) throw new Error("the echo stub answered no tuple");
    return {
      redisValueBytes: value.byteLength,
      echoTupleBytes: toBinary(CheckpointTupleSchema, echoed).byteLength,
      operations: {
        async clientGetTuple() {
          if ((await options.checkpointdClient.getTuple(request)) === undefined) throw new Error("no tuple");
        },
        async echo() {
          if ((await echoClient.getTuple({ config: { threadId: "bench" } })) === undefined) throw new Error("no tuple");
        },
        async saverEcho() {
          if ((await echoSaver.getTuple({ configurable: { thread_id: "bench" } })) === undefined) throw new Error("no tuple");
        },
        async echoGrpcJs() {
          if ((await grpcJsGetTuple(grpcJsClient, echoRequest)).tuple === undefined) throw new Error("no tuple");
        },
        async redisGet() {
          const bytes = await redis.getBuffer(key);
          if (bytes?.byteLength !== value.byteLength) throw new Error("redis GET returned other bytes");
        },
        async selectOne() {
          await pool.query("SELECT 1");
        },
      },
      async close() {
        grpcJsClient.close();
        await echoClient.close();
        await echoSaver.close();
        redis.disconnect();
        await pool.end();
      },
    };
  } catch (error) {
    grpcJsClient.close();
    await echoClient.close();
    await echoSaver.close();
    redis.disconnect();
    await pool.end();
    throw error;
  }
}
