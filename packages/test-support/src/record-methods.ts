import type { Interceptor } from "@connectrpc/connect";

/** An interceptor that records the method name of every RPC that reaches the transport. */
export function recordMethods(): { interceptor: Interceptor; names: string[] } {
  const names: string[] = [];
  return {
    interceptor: (next) => async (req) => {
      names.push(req.method.name);
      return next(req);
    },
    names,
  };
}
