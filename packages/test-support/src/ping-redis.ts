import { sendRedisCommand } from "./send-redis-command.js";

/** Sends PING to a Redis server over a raw TCP socket; resolves on `+PONG`, rejects otherwise. */
export async function pingRedis(port: number, host = "127.0.0.1"): Promise<void> {
  const reply = await sendRedisCommand(port, ["PING"], { host });
  if (reply !== "+PONG\r\n") {
    throw new Error(`unexpected reply to PING from ${host}:${port}: ${JSON.stringify(reply.trim())}`);
  }
}
