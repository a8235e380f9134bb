import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import type { Socket } from "node:net";
import { MiB } from "./fuzz-limits.js";

/**
 * Calls Chrome DevTools Protocol methods on the server's inspector (it runs
 * with --inspect=127.0.0.1:0) over a minimal WebSocket client: text frames
 * only, which is all the inspector sends for these calls.
 */
export async function inspectorCalls(webSocketUrl: string, calls: readonly { method: string; params?: object }[]): Promise<unknown[]> {
  const url = new URL(webSocketUrl);
  const socket = await new Promise<Socket>((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      timeout: 10_000,
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-key": randomBytes(16).toString("base64"),
        "sec-websocket-version": "13",
      },
    });
    req.once("upgrade", (_res, upgraded: Socket, head: Buffer) => {
      if (head.length > 0) upgraded.unshift(head);
      resolve(upgraded);
    });
    req.once("response", (res) => reject(new Error(`inspector answered HTTP ${res.statusCode}`)));
    req.once("timeout", () => req.destroy(new Error("inspector did not answer")));
    req.once("error", reject);
    req.end();
  });
  const send = (text: string) => {
    const payload = Buffer.from(text);
    const length = payload.length < 126 ? [0x80 | payload.length] : [0x80 | 126, payload.length >> 8, payload.length & 0xff];
    const mask = randomBytes(4);
    socket.write(Buffer.concat([Buffer.from([0x81, ...length]), mask, payload.map((b, i) => b ^ mask[i % 4]!)]));
  };
  let buffered = Buffer.alloc(0);
  const replies = new Map<number, unknown>();
  const received = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("inspector calls timed out")), 20_000);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (buffered.length < 2) break;
        let length = buffered[1]! & 0x7f;
        let offset = 2;
        if (length === 126) [length, offset] = [buffered.length >= 4 ? buffered.readUInt16BE(2) : Infinity, 4];
        else if (length === 127) [length, offset] = [buffered.length >= 10 ? Number(buffered.readBigUInt64BE(2)) : Infinity, 10];
        if (buffered.length < offset + length) break;
        const opcode = buffered[0]! & 0x0f;
        const payload = buffered.subarray(offset, offset + length).toString();
        buffered = buffered.subarray(offset + length);
        if (opcode !== 0x1) continue;
        const message = JSON.parse(payload) as { id?: number; result?: unknown; error?: unknown };
        if (message.id !== undefined) replies.set(message.id, message.error ?? message.result);
        if (replies.size === calls.length) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  try {
    calls.forEach((call, i) => send(JSON.stringify({ id: i + 1, method: call.method, params: call.params ?? {} })));
    await received;
    return calls.map((_, i) => replies.get(i + 1));
  } finally {
    socket.destroy();
  }
}

/**
 * Full garbage collections in the server, then its V8 heap in MB. The inspector
 * may answer before the collection has run, so the heap is read a moment later.
 */
export async function collectGarbage(webSocketUrl: string): Promise<{ heapUsedMb: number }> {
  await inspectorCalls(webSocketUrl, [{ method: "HeapProfiler.collectGarbage" }, { method: "HeapProfiler.collectGarbage" }]);
  await sleep(500);
  const [evaluated] = await inspectorCalls(webSocketUrl, [
    { method: "Runtime.evaluate", params: { expression: "process.memoryUsage().heapUsed", returnByValue: true } },
  ]);
  return { heapUsedMb: Number((evaluated as { result?: { value?: number } }).result?.value) / MiB };
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (kb === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
