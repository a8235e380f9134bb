import { status, type StatusObject } from "@grpc/grpc-js";
import { Metadata } from "@grpc/grpc-js";
import { clientSafeStatus } from "../errors/client-safe-status.js";
import type { ErrorLogger } from "../errors/service-error.js";

/** A client-safe gRPC status for any error (see clientSafeStatus). */
export function toGrpcStatus(error: unknown, method: string, logError: ErrorLogger): StatusObject {
  const { code, message, metadata } = clientSafeStatus(error, method, logError);
  const trailers = new Metadata();
  for (const [key, value] of Object.entries(metadata ?? {})) trailers.set(key, value);
  return { code: code as number as status, details: message, metadata: trailers };
}
