import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointdClient } from "./create-checkpointd-client.js";
import type { PutInput } from "./create-checkpointd-client.js";
import { recordMethods, runCheckpointd, type RunningCheckpointd } from "@checkpointd/test-support";

const id = (n: number) => `1f0b0000-0000-6000-8000-${String(n).padStart(12, "0")}`;

function putInput(threadId: string, n: number, parent?: number): PutInput {
  return {
    config: { threadId, checkpointNs: "", ...(parent === undefined ? {} : { checkpointId: id(parent) }) },
    checkpoint: {
      v: 4,
      id: id(n),
      ts: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
      channelValues: { messages: { type: "json", data: new TextEncoder().encode(`["m${n}"]`) } },
      channelVersions: { messages: { kind: { case: "intValue", value: BigInt(n) } } },
    },
    metadata: { source: "loop", step: n, parents: {} },
    newVersions: { messages: { kind: { case: "intValue", value: BigInt(n) } } },
  };
}

/** Counts the attempts that reach the transport. */
function countingInterceptor(): { interceptor: Interceptor; count: () => number; headers: Headers[] } {
  let n = 0;
  const headers: Headers[] = [];
  return {
    interceptor: (next) => async (req) => {
      n += 1;
      headers.push(new Headers(req.header));
      return next(req);
    },
    count: () => n,
    headers,
  };
}

/** A free loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("createCheckpointdClient against a real checkpointd", () => {
  let server: RunningCheckpointd;
  beforeAll(async () => {
    server = await runCheckpointd();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("puts, reads and lists; List is an async iterator, newest first", async () => {
    const client = createCheckpointdClient({ address: server.address });
    try {
      for (let n = 1; n <= 5; n++) await client.put(putInput("t-list", n, n === 1 ? undefined : n - 1));
      await client.putWrites({
        config: { threadId: "t-list", checkpointNs: "", checkpointId: id(5) },
        taskId: "task-1",
        taskPath: "~__pregel_pull, agent",
        writes: [{ channel: "messages", value: { type: "json", data: new Uint8Array([1, 2, 3]) } }],
      });
      const latest = await client.getTuple({ config: { threadId: "t-list" } });
      expect(latest?.checkpoint?.id).toBe(id(5));
      expect(latest?.parentConfig?.checkpointId).toBe(id(4));
      expect(latest?.pendingWrites.map((w) => [w.taskId, w.channel, [...(w.value?.data ?? [])], w.taskPath])).toEqual([
        ["task-1", "messages", [1, 2, 3], "~__pregel_pull, agent"],
      ]);
      expect(latest?.checkpoint?.channelVersions.messages?.kind).toEqual({ case: "intValue", value: 5n });
      expect(latest?.metadata).toEqual({ source: "loop", step: 5, parents: {} });
      expect(await client.getTuple({ config: { threadId: "t-none" } })).toBeUndefined();

      const ids: string[] = [];
      for await (const tuple of client.list({ config: { threadId: "t-list" } })) ids.push(tuple.checkpoint!.id);
      expect(ids).toEqual([5, 4, 3, 2, 1].map(id));
      const limited: string[] = [];
      for await (const tuple of client.list({ config: { threadId: "t-list" }, limit: 2, before: { checkpointId: id(4) } })) {
        limited.push(tuple.checkpoint!.id);
      }
      expect(limited).toEqual([id(3), id(2)]);

      // Breaking out of the iteration ends the stream; the client stays usable.
      for await (const tuple of client.list({ config: { threadId: "t-list" } })) {
        expect(tuple.checkpoint!.id).toBe(id(5));
        break;
      }
      await client.deleteThread("t-list");
      expect(await client.getTuple({ config: { threadId: "t-list" } })).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it("asks the headers hook before every call and sends what it returns", async () => {
    const seen = countingInterceptor();
    let calls = 0;
    const client = createCheckpointdClient({
      address: `http://${server.address}`,
      headers: async () => ({ authorization: `Bearer token-${++calls}` }),
      interceptors: [seen.interceptor],
    });
    try {
      await client.getTuple({ config: { threadId: "t-auth" } });
      for await (const _ of client.list({ config: { threadId: "t-auth" } })) void _;
      expect(seen.headers.map((h) => h.get("authorization"))).toEqual(["Bearer token-1", "Bearer token-2"]);
    } finally {
      await client.close();
    }
  });

  it("maps server errors to ConnectError codes and does not retry them", async () => {
    const seen = countingInterceptor();
    const client = createCheckpointdClient({ address: server.address, interceptors: [seen.interceptor] });
    try {
      const error = await client.put({ config: { threadId: "" }, checkpoint: { id: id(1) } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
      expect((error as ConnectError).message).toMatch(/thread_id/);
      expect(seen.count()).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("rejects calls after close()", async () => {
    const client = createCheckpointdClient({ address: server.address });
    await client.getTuple({ config: { threadId: "t-close" } });
    await client.close();
    await expect(client.getTuple({ config: { threadId: "t-close" } })).rejects.toThrow(/closed/);
  });

  describe("batching", () => {
    it("sends the Puts, PutWrites and GetTuples made together as one Batch, with the answers of single calls", async () => {
      const methods = recordMethods();
      const client = createCheckpointdClient({ address: server.address, interceptors: [methods.interceptor] });
      const single = createCheckpointdClient({ address: server.address, batch: false });
      try {
        const threads = Array.from({ length: 20 }, (_, i) => `batched-${i}`);
        const saved = await Promise.all(threads.map((t, i) => client.put(putInput(t, i + 1))));
        expect(saved.map((s) => s.config?.checkpointId)).toEqual(threads.map((_, i) => id(i + 1)));
        await Promise.all(
          threads.map((t, i) =>
            client.putWrites({
              config: { threadId: t, checkpointNs: "", checkpointId: id(i + 1) },
              taskId: "task",
              writes: [{ channel: "messages", value: { type: "json", data: new TextEncoder().encode(`"w${i}"`) } }],
            }),
          ),
        );
        const [tuples, missing] = await Promise.all([
          Promise.all(threads.map((t) => client.getTuple({ config: { threadId: t } }))),
          client.getTuple({ config: { threadId: "batched-none" } }),
        ]);
        expect(methods.names).toEqual(["Batch", "Batch", "Batch"]);
        expect(missing).toBeUndefined();
        for (const [i, t] of threads.entries()) {
          const alone = await single.getTuple({ config: { threadId: t } });
          expect(tuples[i]).toEqual(alone);
          expect(alone?.pendingWrites.map((w) => new TextDecoder().decode(w.value?.data))).toEqual([`"w${i}"`]);
        }
      } finally {
        await client.close();
        await single.close();
      }
    });

    it("rejects only the bad call of a batch, as the call alone would be", async () => {
      const client = createCheckpointdClient({ address: server.address });
      try {
        const [ok, bad] = await Promise.allSettled([
          client.put(putInput("batched-ok", 1)),
          client.put({ ...putInput("", 1), config: { threadId: "" } }),
        ]);
        expect(ok.status).toBe("fulfilled");
        const error = (bad as PromiseRejectedResult).reason as ConnectError;
        expect(error).toBeInstanceOf(ConnectError);
        expect(error.code).toBe(Code.InvalidArgument);
        const alone = await client.put({ ...putInput("", 1), config: { threadId: "" } }).catch((e: unknown) => e as ConnectError);
        expect(error.rawMessage).toBe(alone.rawMessage);
      } finally {
        await client.close();
      }
    });

    it("sends calls with options of their own, and every call with batch: false, alone", async () => {
      const methods = recordMethods();
      const client = createCheckpointdClient({ address: server.address, interceptors: [methods.interceptor] });
      const offMethods = recordMethods();
      const off = createCheckpointdClient({ address: server.address, interceptors: [offMethods.interceptor], batch: false });
      try {
        await Promise.all([1, 2, 3].map(() => client.getTuple({ config: { threadId: "batched-0" } }, { timeoutMs: 5_000 })));
        expect(methods.names).toEqual(["GetTuple", "GetTuple", "GetTuple"]);
        await Promise.all([1, 2, 3].map(() => off.getTuple({ config: { threadId: "batched-0" } })));
        expect(offMethods.names).toEqual(["GetTuple", "GetTuple", "GetTuple"]);
      } finally {
        await client.close();
        await off.close();
      }
    });
  });
});

describe("retries and deadlines without a server", () => {
  it("retries UNAVAILABLE on idempotent calls with backoff, up to maxAttempts", async () => {
    const port = await closedPort();
    const seen = countingInterceptor();
    const client = createCheckpointdClient({
      address: `127.0.0.1:${port}`,
      retry: { maxAttempts: 4, initialBackoffMs: 20, maxBackoffMs: 40 },
      interceptors: [seen.interceptor],
    });
    try {
      const started = Date.now();
      const error = await client.getTuple({ config: { threadId: "t" } }).catch((e: unknown) => e);
      expect(ConnectError.from(error).code).toBe(Code.Unavailable);
      expect(seen.count()).toBe(4);
      // Three backoffs of at least half their nominal 20, 40, 40 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(50);

      const listed = async () => {
        for await (const _ of client.list({ config: { threadId: "t" } })) void _;
      };
      await expect(listed()).rejects.toMatchObject({ code: Code.Unavailable });
      expect(seen.count()).toBe(8);
    } finally {
      await client.close();
    }
  });

  it("does not retry a Resume without an idempotency key (nor a claim of 'the oldest'), and does retry those with a key / resume id", async () => {
    const port = await closedPort();
    const seen = countingInterceptor();
    const client = createCheckpointdClient({
      address: `127.0.0.1:${port}`,
      retry: { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 10 },
      interceptors: [seen.interceptor],
    });
    try {
      await expect(client.resume({ threadId: "t", values: {} })).rejects.toMatchObject({ code: Code.Unavailable });
      expect(seen.count()).toBe(1);
      await expect(client.claimResume({ threadId: "t", workerId: "w" })).rejects.toMatchObject({ code: Code.Unavailable });
      expect(seen.count()).toBe(2);
      await expect(client.resume({ threadId: "t", values: {}, idempotencyKey: "k1" })).rejects.toMatchObject({ code: Code.Unavailable });
      expect(seen.count()).toBe(5);
      await expect(client.claimResume({ threadId: "t", resumeId: "r1", workerId: "w" })).rejects.toMatchObject({ code: Code.Unavailable });
      expect(seen.count()).toBe(8);
    } finally {
      await client.close();
    }
  });

  describe("against a peer that accepts connections and never answers", () => {
    let silent: Server;
    let port: number;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      port = (silent.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it("fails a call with DEADLINE_EXCEEDED at the client's default deadline, or the call's own", async () => {
      const client = createCheckpointdClient({ address: `127.0.0.1:${port}`, timeoutMs: 300 });
      try {
        let started = Date.now();
        await expect(client.getTuple({ config: { threadId: "t" } })).rejects.toMatchObject({ code: Code.DeadlineExceeded });
        const elapsed = Date.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(250);
        expect(elapsed).toBeLessThan(5_000);

        started = Date.now();
        await expect(client.getTuple({ config: { threadId: "t" } }, { timeoutMs: 100 })).rejects.toMatchObject({
          code: Code.DeadlineExceeded,
        });
        expect(Date.now() - started).toBeLessThan(250);

        // A List's deadline covers the whole stream.
        started = Date.now();
        const listed = async () => {
          for await (const _ of client.list({ config: { threadId: "t" } }, { timeoutMs: 200 })) void _;
        };
        await expect(listed()).rejects.toMatchObject({ code: Code.DeadlineExceeded });
        expect(Date.now() - started).toBeLessThan(1_000);
      } finally {
        await client.close();
      }
    });
  });
});

describe("a server restart between two calls of one client", () => {
  let dataDir: string;
  let server: RunningCheckpointd | undefined;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "checkpointd-client-restart-"));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("the second call succeeds without the caller doing anything", async () => {
    server = await runCheckpointd({ dataDir });
    const { port } = server;
    // Default retry policy; a deadline roomier than the default 10 s, for a loaded CI machine.
    const client = createCheckpointdClient({ address: server.address, timeoutMs: 30_000 });
    try {
      await client.put(putInput("t-restart", 1));

      // Restarted and listening again before the second call: the old connection is dead.
      await server.stop();
      server = await runCheckpointd({ dataDir, port });
      const tuple = await client.getTuple({ config: { threadId: "t-restart" } });
      expect(tuple?.checkpoint?.id).toBe(id(1));

      // Down when the call starts, back while it backs off: the call waits it out.
      await server.stop();
      const restarted = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        server = await runCheckpointd({ dataDir, port });
      })();
      try {
        await client.put(putInput("t-restart", 2, 1));
      } finally {
        await restarted;
      }
      const ids: string[] = [];
      for await (const t of client.list({ config: { threadId: "t-restart" } })) ids.push(t.checkpoint!.id);
      expect(ids).toEqual([id(2), id(1)]);
    } finally {
      await client.close();
    }
  });
});
