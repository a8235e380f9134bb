import { connect } from "node:net";

/** Length of the complete RESP reply at the start of `data`, or undefined while incomplete. */
function replyLength(data: Buffer): number | undefined {
  const lineEnd = data.indexOf("\r\n");
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(data[0] ?? 0);
  if (type === "+" || type === "-" || type === ":") return lineEnd + 2;
  if (type !== "$") throw new Error(`unsupported RESP reply type ${JSON.stringify(type)}`);
  const size = Number(data.subarray(1, lineEnd).toString("latin1"));
  if (size < 0) return lineEnd + 2; // null bulk string
  return data.length >= lineEnd + 2 + size + 2 ? lineEnd + 2 + size + 2 : undefined;
}

/**
 * Sends one command to a Redis server over a raw TCP socket (no client library) and resolves
 * with the raw RESP reply, e.g. `+PONG\r\n`. Supports simple, error, integer and bulk replies.
 */
export function sendRedisCommand(
  port: number,
  args: readonly string[],
  options: { host?: string; timeoutMs?: number } = {},
): Promise<string> {
  const host = options.host ?? "127.0.0.1";
  const timeoutMs = options.timeoutMs ?? 2_000;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let reply = Buffer.alloc(0);
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no reply from Redis at ${host}:${port} within ${timeoutMs} ms`)));
    socket.once("error", fail);
    socket.once("close", () => fail(new Error(`Redis at ${host}:${port} closed the connection`)));
    socket.once("connect", () => {
      const parts = args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
      socket.write(`*${args.length}\r\n${parts.join("")}`);
    });
    socket.on("data", (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk]);
      try {
        const length = replyLength(reply);
        if (length === undefined) return;
        socket.destroy();
        resolve(reply.subarray(0, length).toString("utf8"));
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}
