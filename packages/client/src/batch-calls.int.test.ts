import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CheckpointService, GetTupleResponseSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import { createCheckpointdClient } from "./create-checkpointd-client.js";
import { recordMethods } from "@checkpointd/test-support";

describe("client batching against a server without Batch", () => {
  const server = new Server();
  let port = 0;
  beforeAll(async () => {
    const method = CheckpointService.method.getTuple;
    server.addService(
      {
        GetTuple: {
          path: `/${CheckpointService.typeName}/GetTuple`,
          requestStream: false,
          responseStream: false,
          requestSerialize: (m: Buffer) => m,
          requestDeserialize: (b: Buffer) => fromBinary(method.input, b),
          responseSerialize: (m: Uint8Array) => Buffer.from(m),
          responseDeserialize: (b: Buffer) => b,
        },
      },
      {
        GetTuple: (call: ServerUnaryCall<{ config?: { threadId: string } }, Uint8Array>, callback: sendUnaryData<Uint8Array>) => {
          const threadId = call.request.config?.threadId ?? "";
          callback(null, toBinary(GetTupleResponseSchema, create(GetTupleResponseSchema, { tuple: { config: { threadId } } })));
        },
      },
    );
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
  });
  afterAll(() => {
    server.forceShutdown();
  });

  it("falls back to single calls after the server answers UNIMPLEMENTED", async () => {
    const seen = recordMethods();
    const client = createCheckpointdClient({ address: `127.0.0.1:${port}`, interceptors: [seen.interceptor] });
    try {
      for (let round = 0; round < 2; round++) {
        const tuples = await Promise.all(["a", "b", "c"].map((t) => client.getTuple({ config: { threadId: t } })));
        expect(tuples.map((t) => t?.config?.threadId)).toEqual(["a", "b", "c"]);
      }
      expect(seen.names).toEqual(["Batch", ...Array<string>(6).fill("GetTuple")]);
    } finally {
      await client.close();
    }
  });
});
