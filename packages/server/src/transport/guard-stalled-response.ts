import type { ServerResponse } from "node:http";
import { constants, type Http2ServerResponse } from "node:http2";

/**
 * Ends a response whose client has read nothing for stallMs: its send buffer stayed full, with
 * no "drain" in between, that long. On the gRPC port a stalled stream gets
 * RESOURCE_EXHAUSTED in its trailers, which HTTP/2 sends outside flow control; Connect and
 * gRPC-Web carry their status inside the body, behind the data the client is not reading, so
 * here the stream is reset (HTTP/2 CANCEL) or the connection closed (HTTP/1.1). Either way the
 * server lets go of the buffered events and the subscription.
 */
export function guardStalledResponse(res: ServerResponse | Http2ServerResponse, stallMs: number, onStall: () => void): void {
  const writable = "stream" in res ? res.stream : res;
  let blockedSince: number | undefined;
  const timer = setInterval(
    () => {
      if (!writable.writableNeedDrain) {
        blockedSince = undefined;
        return;
      }
      blockedSince ??= Date.now();
      if (Date.now() - blockedSince < stallMs) return;
      clearInterval(timer);
      onStall();
      if ("stream" in res) res.stream.close(constants.NGHTTP2_CANCEL);
      else res.destroy();
    },
    Math.max(25, Math.floor(stallMs / 4)),
  );
  timer.unref();
  // A slow reader that keeps draining the buffer is not stalled, however full the buffer looks.
  const drained = () => (blockedSince = undefined);
  writable.on("drain", drained);
  res.once("close", () => {
    clearInterval(timer);
    writable.off("drain", drained);
  });
}
