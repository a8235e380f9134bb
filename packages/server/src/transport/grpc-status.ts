import { status, type StatusObject } from "@grpc/grpc-js";
import { Metadata } from "@grpc/grpc-js";
import { ServiceError, ShuttingDownError, type ErrorLogger } from "../errors/service-error.js";

export type { ErrorLogger };

/** A client-safe gRPC status for any error: ServiceErrors keep their code and text, the rest are INTERNAL with no detail. */
export function toGrpcStatus(error: unknown, method: string, logError: ErrorLogger): StatusObject {
  if (error instanceof ServiceError) {
    const code = error.code as number as status;
    if ((code === status.UNAVAILABLE || code === status.INTERNAL) && !(error instanceof ShuttingDownError)) logError(error, method);
    return { code, details: error.message, metadata: new Metadata() };
  }
  logError(error, method);
  return { code: status.INTERNAL, details: "internal error (logged on the server)", metadata: new Metadata() };
}
