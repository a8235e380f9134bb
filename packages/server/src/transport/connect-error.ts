import { Code as ConnectCode, ConnectError, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { clientSafeStatus } from "../errors/client-safe-status.js";
import type { ErrorLogger } from "../errors/service-error.js";

/** gRPC and Connect share the numbering: a client-safe status's code is a ConnectError's code. */
function toConnectError(error: unknown, method: string, logError: ErrorLogger): ConnectError {
  if (error instanceof ConnectError) return error;
  const { code, message, metadata } = clientSafeStatus(error, method, logError);
  return new ConnectError(message, code as number as ConnectCode, metadata);
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

// connect-es's own errors for a request body that cannot be decoded.
const malformedRequest = /^(parse binary: |received compressed envelope, but do not know how to decompress$)/;

/**
 * A `requestGate` that makes a malformed request INVALID_ARGUMENT, as on the
 * gRPC port. connect-es reports a protobuf body it cannot decode, and a
 * compressed envelope with no declared encoding, as INTERNAL (its serializers
 * are shared with clients, for which a bad message is the server's fault), and
 * decodes before any interceptor runs. Every connect-es handler aborts the
 * call's context with the error before writing it out, so it is re-coded here.
 */
export function recodeMalformedRequests(context: HandlerContext): void {
  rejectBadGetMessage(context);
  const { signal } = context;
  signal.addEventListener(
    "abort",
    () => {
      const reason: unknown = signal.reason;
      if (reason instanceof ConnectError && reason.code === ConnectCode.Internal && malformedRequest.test(reason.rawMessage)) {
        (reason as { code: ConnectCode }).code = ConnectCode.InvalidArgument;
      }
    },
    { once: true },
  );
}

/**
 * A Connect GET (the NO_SIDE_EFFECTS methods: GetTuple) carries its message in
 * the query, base64 with `base64=1`. connect-es decodes it after this gate and
 * turns a bad string into a plain Error, hence INTERNAL with nothing to
 * re-code: the gate decodes it first and refuses it as INVALID_ARGUMENT.
 */
function rejectBadGetMessage(context: HandlerContext): void {
  if (context.requestMethod !== "GET") return;
  const query = new URL(context.url).searchParams;
  if (query.get("base64") !== "1") return;
  try {
    base64Decode(query.get("message") ?? "");
  } catch {
    throw new ConnectError("the message query parameter is not base64", ConnectCode.InvalidArgument);
  }
}
