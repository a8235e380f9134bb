import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Code, ConnectError } from "@connectrpc/connect";
import type { KyselyPlugin } from "kysely";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";

describe("a cancelled List", () => {
  let server: TestServer;
  let queries = 0;
  const counter: KyselyPlugin = {
    transformQuery: (args) => {
      // List's queries; not the health monitor's raw `select 1`.
      if (args.node.kind === "SelectQueryNode") queries++;
      return args.node;
    },
    transformResult: (args) => Promise.resolve(args.result),
  };

  beforeAll(async () => {
    server = await startTestServer("pglite", undefined, { plugins: [counter] });
    const data = new Uint8Array(16 * 1024).fill(1);
    for (let i = 0; i < 300; i++) {
      await server.client.put({
        config: { threadId: "long" },
        checkpoint: {
          id: `c${String(i).padStart(4, "0")}`,
          channelValues: { v: { type: "bytes", data } },
          channelVersions: { v: { kind: { case: "intValue", value: BigInt(i) } } },
        },
        newVersions: { v: { kind: { case: "intValue", value: BigInt(i) } } },
      });
    }
  });
  afterAll(() => server.close());

  it("stops fetching pages on the server once the client cancels", async () => {
    const controller = new AbortController();
    queries = 0;
    let received = 0;
    const error = await (async () => {
      for await (const _ of server.client.list({ config: { threadId: "long" } }, { signal: controller.signal })) {
        if (++received === 3) controller.abort();
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Canceled);
    const atCancel = queries;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const settled = queries;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The whole history is 43 pages of 7, 3 queries each. The server fetched only what the HTTP/2
    // window let it send, finished at most the page in hand after the cancel, and then stopped.
    expect(settled - atCancel).toBeLessThanOrEqual(3);
    expect(queries).toBe(settled);
    expect(queries).toBeLessThan(43 * 3);
    console.log(`cancelled List: ${queries} queries run of ${43 * 3} for the whole history`);
    let all = 0;
    for await (const _ of server.client.list({ config: { threadId: "long" } })) all++;
    expect(all).toBe(300);
  });

  it("ends with DEADLINE_EXCEEDED when the deadline passes mid-stream", async () => {
    const error = await (async () => {
      for await (const _ of server.client.list({ config: { threadId: "long" } }, { timeoutMs: 50 })) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ConnectError).code).toBe(Code.DeadlineExceeded);
  });
});
