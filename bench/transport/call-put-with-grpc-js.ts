import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Client, credentials, type ServiceError } from "@grpc/grpc-js";
import {
  CheckpointService,
  PutRequestSchema,
  PutResponseSchema,
  type PutResponse,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

export interface PutOutcome {
  /** gRPC status code the client saw (0 = OK). */
  code: number;
  /** The status message as the grpc-js client reports it (`error.details`). */
  details: string;
}

/** Calls Put once with a plain @grpc/grpc-js client and reports the status it sees. */
export function callPutWithGrpcJs(port: number): Promise<PutOutcome> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  const path = `/${CheckpointService.typeName}/${CheckpointService.method.put.name}`;
  const request = create(PutRequestSchema, { config: { threadId: "bench-thread" } });
  return new Promise<PutOutcome>((resolve) => {
    client.makeUnaryRequest(
      path,
      (message: typeof request) => Buffer.from(toBinary(PutRequestSchema, message)),
      (bytes: Buffer): PutResponse => fromBinary(PutResponseSchema, bytes),
      request,
      { deadline: Date.now() + 10_000 },
      (error: ServiceError | null) => resolve(error ? { code: error.code, details: error.details } : { code: 0, details: "" }),
    );
  }).finally(() => client.close());
}
