import type { Interceptor } from "@connectrpc/connect";

/** A Connect interceptor counting the RPCs a client starts (a Batch counts once: it is one round trip). */
export function countRpcs(): { interceptor: Interceptor; count(): number } {
  let count = 0;
  return {
    interceptor: (next) => (req) => {
      count++;
      return next(req);
    },
    count: () => count,
  };
}
