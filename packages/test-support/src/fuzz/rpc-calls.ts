import { ConnectError, type Client as ConnectClient } from "@connectrpc/connect";
import { Client as GrpcClient, Metadata, type ServiceError as GrpcServiceError } from "@grpc/grpc-js";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { REQUEST_TIMEOUT_MS, SERVICE } from "./fuzz-limits.js";
import { H2Pool } from "./h2-call.js";
import { type Method } from "./methods.js";
import { type Outcome } from "./outcome.js";

export interface Targets {
  grpcPool: H2Pool;
  httpPool: H2Pool;
  httpBase: string;
  client: ConnectClient<typeof CheckpointService>;
  grpcJs: GrpcClient;
}

export function grpcJsUnary(client: GrpcClient, method: string, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      `/${SERVICE}/${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      new Metadata(),
      { deadline: Date.now() + REQUEST_TIMEOUT_MS },
      (error: GrpcServiceError | null) => resolve(error === null ? { code: 0 } : { code: error.code, detail: error.details }),
    );
  });
}

export function grpcJsList(client: GrpcClient, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const call = client.makeServerStreamRequest(
      `/${SERVICE}/List`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      new Metadata(),
      { deadline: Date.now() + REQUEST_TIMEOUT_MS },
    );
    call.on("data", () => undefined);
    call.on("error", () => undefined);
    call.on("status", (status: { code: number; details: string }) => resolve({ code: status.code, detail: status.details }));
  });
}

export async function connectCall(client: ConnectClient<typeof CheckpointService>, method: Method, request: unknown): Promise<Outcome> {
  const options = { timeoutMs: REQUEST_TIMEOUT_MS };
  try {
    if (method.local === "list") {
      let received = 0;
      for await (const _ of client.list(request as never, options)) if (++received >= 100_000) break;
    } else {
      await (client[method.local] as (req: unknown, opts: unknown) => Promise<unknown>)(request, options);
    }
    return { code: 0 };
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, detail: e.rawMessage };
  }
}
