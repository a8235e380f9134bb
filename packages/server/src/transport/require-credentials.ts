import type { ServerUnaryCall, ServerWritableStream, UntypedHandleCall, sendUnaryData } from "@grpc/grpc-js";
import type { Authenticator } from "../auth/authenticator.js";
import { isPublicService } from "../auth/public-services.js";
import type { ErrorLogger } from "../errors/service-error.js";
import { credentialsOf, type GrpcJsService } from "./grpc-js-service.js";
import { toGrpcStatus } from "./grpc-status.js";

type AnyCall = ServerUnaryCall<unknown, unknown> & ServerWritableStream<unknown, unknown>;

/**
 * A grpc-js service other than CheckpointService (health, reflection) that
 * needs credentials unless it is public: each call runs only once
 * `authenticator.identify` accepted its `authorization`. An authenticator
 * without `identify` (authentication off) leaves every service public.
 */
export function requireCredentials(
  service: GrpcJsService,
  authenticator: Authenticator,
  publicServices: readonly string[],
  logError: ErrorLogger,
): GrpcJsService {
  const identify = authenticator.identify?.bind(authenticator);
  const methods = Object.entries(service.definition);
  const name = methods[0]?.[1].path.split("/")[1] ?? "";
  if (identify === undefined || isPublicService(name, publicServices)) return service;
  const implementation: Record<string, UntypedHandleCall> = {};
  for (const [name, method] of methods) {
    // grpc-js finds a method's handler under its name or its original (lowerCamel) name.
    const key = name in service.implementation ? name : (method.originalName ?? name);
    const found = service.implementation[key];
    // Unimplemented (health's List): grpc-js answers UNIMPLEMENTED, which tells nothing.
    if (found === undefined) continue;
    const handler = found as unknown as (call: AnyCall, callback?: sendUnaryData<unknown>) => void;
    const unary = !method.requestStream && !method.responseStream;
    implementation[key] = ((call: AnyCall, callback?: sendUnaryData<unknown>) => {
      Promise.resolve()
        .then(() => identify(credentialsOf(call), method.path))
        .then(
          () => handler(call, callback),
          (error: unknown) => {
            const status = toGrpcStatus(error, method.path, logError);
            if (unary) callback!(status);
            else call.emit("error", status);
          },
        );
    }) as unknown as UntypedHandleCall;
  }
  return { definition: service.definition, implementation };
}
