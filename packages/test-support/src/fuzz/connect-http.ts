import { REQUEST_TIMEOUT_MS } from "./fuzz-limits.js";
import { connectCodes, type Outcome } from "./outcome.js";

export function envelope(flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(flags, 0);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** The code of a Connect, gRPC-Web or plain HTTP answer. */
export async function httpCall(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Buffer | string },
): Promise<Outcome> {
  let response: Response;
  let body: Buffer;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    body = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    const name = (error as Error).name;
    return { transport: name === "TimeoutError" ? "timeout" : name, detail: String((error as Error).message) };
  }
  const contentType = response.headers.get("content-type") ?? "";
  const grpcStatus = response.headers.get("grpc-status");
  if (grpcStatus !== null) return { code: Number(grpcStatus), http: response.status, detail: response.headers.get("grpc-message") ?? "" };
  if (contentType.startsWith("application/grpc-web")) {
    // Trailers in a frame with flag 0x80.
    for (let at = 0; at + 5 <= body.length;) {
      const flags = body.readUInt8(at);
      const length = body.readUInt32BE(at + 1);
      const payload = body.subarray(at + 5, at + 5 + length);
      if ((flags & 0x80) !== 0) {
        const status = /grpc-status:\s*(\d+)/i.exec(payload.toString());
        const message = /grpc-message:\s*(.*)/i.exec(payload.toString());
        if (status !== null) return { code: Number(status[1]), http: response.status, detail: message?.[1]?.trim() ?? "" };
      }
      at += 5 + length;
    }
    return { http: response.status, detail: "gRPC-Web answer without grpc-status" };
  }
  if (contentType.startsWith("application/connect+")) {
    // A stream: the end-of-stream envelope (flag 0x02) carries the error, if any.
    for (let at = 0; at + 5 <= body.length;) {
      const flags = body.readUInt8(at);
      const length = body.readUInt32BE(at + 1);
      if ((flags & 0x02) !== 0) {
        const end = JSON.parse(body.subarray(at + 5, at + 5 + length).toString()) as { error?: { code?: string; message?: string } };
        if (end.error === undefined) return { code: 0, http: response.status };
        return { code: connectCodes[end.error.code ?? ""] ?? -1, http: response.status, detail: end.error.message ?? "" };
      }
      at += 5 + length;
    }
    return { http: response.status, detail: "Connect stream without an end-of-stream message" };
  }
  if (contentType.startsWith("application/json") && response.status !== 200) {
    try {
      const error = JSON.parse(body.toString()) as { code?: string; message?: string };
      if (typeof error.code === "string")
        return { code: connectCodes[error.code] ?? -1, http: response.status, detail: error.message ?? "" };
    } catch {
      // not a Connect error body
    }
  }
  if (response.status === 200) return { code: 0, http: 200 };
  return { http: response.status, detail: body.toString().slice(0, 200) };
}
