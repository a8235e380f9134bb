import { Code as ConnectCode, ConnectError, type Interceptor } from "@connectrpc/connect";
import { ServiceError } from "../errors/service-error.js";
import type { ErrorLogger } from "./grpc-status.js";

/** gRPC and Connect share the numbering: a ServiceError's code is a ConnectError's code. */
function toConnectError(error: unknown, method: string, logError: ErrorLogger): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof ServiceError) {
    if (error.code === 14 || error.code === 13) logError(error, method);
    return new ConnectError(error.message, error.code as number as ConnectCode);
  }
  logError(error, method);
  return new ConnectError("internal error (logged on the server)", ConnectCode.Internal);
}

async function* mapErrors<T>(iterable: AsyncIterable<T>, map: (error: unknown) => ConnectError): AsyncGenerator<T> {
  try {
    yield* iterable;
  } catch (error) {
    throw map(error);
  }
}

/**
 * The same client-safe errors as the gRPC adapter: ServiceErrors keep code and
 * text, anything else is INTERNAL with no detail (and is logged).
 */
export function errorInterceptor(logError: ErrorLogger): Interceptor {
  return (next) => async (request) => {
    const map = (error: unknown) => toConnectError(error, request.url, logError);
    try {
      const response = await next(request);
      return response.stream ? { ...response, message: mapErrors(response.message, map) } : response;
    } catch (error) {
      throw map(error);
    }
  };
}
