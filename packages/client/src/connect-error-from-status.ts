import { Code, ConnectError } from "@connectrpc/connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import type { StatusObject } from "@grpc/grpc-js";
import { appendMetadata } from "./append-metadata.js";

/**
 * A grpc-js status (the server's, or one grpc-js made up: UNAVAILABLE for a refused connection,
 * DEADLINE_EXCEEDED, CANCELLED) as the ConnectError Connect's gRPC transport would give: same code
 * (gRPC and Connect number their codes alike), the server's message, `grpc-status-details-bin`
 * decoded into `details`, and the trailers plus the response headers as `metadata`.
 */
export function connectErrorFromStatus(status: Pick<StatusObject, "code" | "details" | "metadata">, header?: Headers): ConnectError {
  const trailer = appendMetadata(new Headers(), status.metadata);
  trailer.set("grpc-status", String(status.code));
  trailer.set("grpc-message", encodeURIComponent(status.details));
  const error =
    findTrailerError(trailer) ??
    new ConnectError(`grpc-js: status ${status.code} is not an error: ${status.details}`, Code.Internal, trailer);
  header?.forEach((value, name) => error.metadata.append(name, value));
  return error;
}
