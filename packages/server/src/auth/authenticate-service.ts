import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { CallIdentity } from "../domain/call-identity.js";
import type { HandlerContext, ServiceImpl } from "../service/service-impl.js";
import type { Authenticator } from "./authenticator.js";
import type { TransportContext, TransportImpl } from "./transport-context.js";

type AnyHandler = (input: unknown, context: HandlerContext) => unknown;

/** The metadata a write's fencing token may come in instead of the request field. */
export const fencingTokenHeader = "x-checkpointd-fencing-token";

const contextOf = (transport: TransportContext, identity: CallIdentity): HandlerContext => ({
  signal: transport.signal,
  identity,
  fencingToken: transport.requestHeader?.get(fencingTokenHeader) ?? undefined,
});

/**
 * The one boundary every call of `service` crosses: each method's handler
 * runs only after `authenticator` has established who calls, and sees that
 * identity and nothing of the raw credentials. Both transports serve the
 * result, so a new RPC is authenticated the moment it exists.
 */
export function authenticateService<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
  authenticator: Authenticator,
): TransportImpl<S> {
  const handlers = impl as unknown as Record<string, AnyHandler>;
  const wrapped: Record<string, (input: unknown, context: TransportContext) => unknown> = {};
  for (const method of service.methods) {
    const handler = handlers[method.localName];
    if (handler === undefined) throw new Error(`no handler for ${service.typeName}/${method.name}`);
    wrapped[method.localName] =
      method.methodKind === "unary" ? unary(method, handler, authenticator) : streaming(method, handler, authenticator);
  }
  return wrapped as unknown as TransportImpl<S>;
}

/** Runs an accepted call's handler inside the scope `track` opened, if any. */
function run(
  authenticator: Authenticator,
  method: DescMethod,
  handler: AnyHandler,
  request: unknown,
  transport: TransportContext,
  identity: CallIdentity,
): Promise<unknown> {
  transport.onIdentity?.(identity);
  const scope = authenticator.track?.(identity, method, request);
  if (scope === undefined) return Promise.resolve(handler(request, contextOf(transport, identity)));
  let result: Promise<unknown>;
  try {
    result = Promise.resolve(handler(request, contextOf(transport, identity)));
  } catch (error) {
    scope.end(error);
    throw error;
  }
  return result.then(
    (response) => {
      scope.end(undefined);
      return response;
    },
    (error: unknown) => {
      scope.end(error);
      throw error;
    },
  );
}

function unary(method: DescMethod, handler: AnyHandler, authenticator: Authenticator) {
  return (request: unknown, transport: TransportContext): Promise<unknown> => {
    try {
      const identity = authenticator.authenticate(transport.credentials, method, request);
      if (identity instanceof Promise)
        return identity.then((resolved) => run(authenticator, method, handler, request, transport, resolved));
      return run(authenticator, method, handler, request, transport, identity);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
}

/**
 * A bidi call's requests, each shown to `check` before the handler sees it. A
 * refusal rejects `next()` and leaves the transport's stream alone (a
 * `for await` that threw would return() it, which cancels the call on grpc-js
 * before its status is sent).
 */
function checked(requests: AsyncIterable<unknown>, check: (message: unknown) => void): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      const source = requests[Symbol.asyncIterator]();
      return {
        async next() {
          const result = await source.next();
          if (result.done !== true) check(result.value);
          return result;
        },
        return: (value?: unknown) => source.return?.(value) ?? Promise.resolve({ done: true as const, value }),
      };
    },
  };
}

function streaming(method: DescMethod, handler: AnyHandler, authenticator: Authenticator) {
  const bidi = method.methodKind === "bidi_streaming";
  return (input: unknown, transport: TransportContext): AsyncIterable<unknown> => ({
    async *[Symbol.asyncIterator]() {
      // A bidi call's requests arrive later: its credentials (headers) are checked before the first is read.
      const identity = await authenticator.authenticate(transport.credentials, method, bidi ? undefined : input);
      transport.onIdentity?.(identity);
      const scope = authenticator.track?.(identity, method, bidi ? undefined : input);
      const message = scope?.message?.bind(scope);
      const requests = bidi && message !== undefined ? checked(input as AsyncIterable<unknown>, message) : input;
      let failure: unknown;
      try {
        yield* handler(requests, contextOf(transport, identity)) as AsyncIterable<unknown>;
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        scope?.end(failure);
      }
    },
  });
}
