import { describe, expect, it } from "@jest/globals";
import { create } from "@bufbuild/protobuf";
import {
  BatchResponseSchema,
  GetTupleResponseSchema,
  type BatchResponse,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { createCallBatcher, type BatchCallInit, type BatchCallResult } from "./batch-calls.js";

const get = (threadId: string): BatchCallInit => ({ call: { case: "getTuple", value: { config: { threadId } } } });
const threadOf = (call: BatchCallInit) => (call.call?.case === "getTuple" ? (call.call.value.config?.threadId ?? "") : "");
const answer = (threadId: string): BatchCallResult => ({
  case: "getTuple",
  value: create(GetTupleResponseSchema, { tuple: { config: { threadId } } }),
});

/** A server stand-in: records what was sent and answers each getTuple with its thread id, or as `fail(thread)` says. */
function recorder(fail: (threadId: string) => { code: Code; message: string } | undefined = () => undefined) {
  const batches: string[][] = [];
  const singles: string[] = [];
  return {
    batches,
    singles,
    sendOne: async (call: BatchCallInit) => {
      singles.push(threadOf(call));
      return answer(threadOf(call));
    },
    sendBatch: async (calls: BatchCallInit[]): Promise<BatchResponse> => {
      batches.push(calls.map(threadOf));
      return create(BatchResponseSchema, {
        results: calls.map((call) => {
          const error = fail(threadOf(call));
          return error === undefined
            ? { result: { case: "getTuple", value: { tuple: { config: { threadId: threadOf(call) } } } } }
            : { result: { case: "error", value: error } };
        }),
      });
    },
  };
}

const threadOfResult = (result: BatchCallResult) => (result.case === "getTuple" ? result.value.tuple?.config?.threadId : undefined);

describe("createCallBatcher", () => {
  it("sends the calls of one turn as one batch, each caller getting its own result", async () => {
    const server = recorder();
    const batcher = createCallBatcher({ maxCalls: 64, ...server });
    const results = await Promise.all(["a", "b", "c"].map((t) => batcher.run(get(t))));
    expect(server.batches).toEqual([["a", "b", "c"]]);
    expect(server.singles).toEqual([]);
    expect(results.map(threadOfResult)).toEqual(["a", "b", "c"]);
  });

  it("sends a call that is alone in its turn as its own RPC", async () => {
    const server = recorder();
    const batcher = createCallBatcher({ maxCalls: 64, ...server });
    expect(threadOfResult(await batcher.run(get("a")))).toBe("a");
    expect(threadOfResult(await batcher.run(get("b")))).toBe("b");
    expect(server.singles).toEqual(["a", "b"]);
    expect(server.batches).toEqual([]);
  });

  it("sends a burst as batches of maxCalls, one a turn, later calls joining the queue", async () => {
    const server = recorder();
    const batcher = createCallBatcher({ maxCalls: 2, ...server });
    const first = ["a", "b", "c", "d", "e"].map((t) => batcher.run(get(t)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.batches).toEqual([["a", "b"]]);
    const later = batcher.run(get("f"));
    await Promise.all([...first, later]);
    expect(server.batches).toEqual([
      ["a", "b"],
      ["c", "d"],
      ["e", "f"],
    ]);
    expect(server.singles).toEqual([]);
  });

  it("rejects a failed call alone, with the server's code and message", async () => {
    const server = recorder((t) => (t === "bad" ? { code: Code.InvalidArgument, message: "config.thread_id is required" } : undefined));
    const batcher = createCallBatcher({ maxCalls: 64, ...server });
    const [ok, bad] = await Promise.allSettled([batcher.run(get("ok")), batcher.run(get("bad"))]);
    expect(ok.status === "fulfilled" && threadOfResult(ok.value)).toBe("ok");
    expect(bad.status).toBe("rejected");
    const error = (bad as PromiseRejectedResult).reason as ConnectError;
    expect(error).toBeInstanceOf(ConnectError);
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe("config.thread_id is required");
  });

  it("sends a call that failed UNAVAILABLE in a batch again on its own (where the client's retries apply)", async () => {
    const server = recorder((t) => (t === "flaky" ? { code: Code.Unavailable, message: "storage unavailable" } : undefined));
    const batcher = createCallBatcher({ maxCalls: 64, ...server });
    const results = await Promise.all([batcher.run(get("ok")), batcher.run(get("flaky"))]);
    expect(results.map(threadOfResult)).toEqual(["ok", "flaky"]);
    expect(server.singles).toEqual(["flaky"]);
  });

  it("falls back to single calls, for good, when the server has no Batch", async () => {
    const server = recorder();
    let batchAttempts = 0;
    const batcher = createCallBatcher({
      maxCalls: 64,
      sendOne: server.sendOne,
      sendBatch: async () => {
        batchAttempts += 1;
        throw new ConnectError("method Batch not implemented", Code.Unimplemented);
      },
    });
    expect((await Promise.all(["a", "b"].map((t) => batcher.run(get(t))))).map(threadOfResult)).toEqual(["a", "b"]);
    expect((await Promise.all(["c", "d"].map((t) => batcher.run(get(t))))).map(threadOfResult)).toEqual(["c", "d"]);
    expect(batchAttempts).toBe(1);
    expect(server.singles).toEqual(["a", "b", "c", "d"]);
  });

  it("rejects every call of a batch that failed as a whole, and a call the response left out", async () => {
    const failing = createCallBatcher({
      maxCalls: 64,
      sendOne: recorder().sendOne,
      sendBatch: async () => {
        throw new ConnectError("deadline exceeded", Code.DeadlineExceeded);
      },
    });
    const settled = await Promise.allSettled([failing.run(get("a")), failing.run(get("b"))]);
    expect(settled.map((s) => s.status === "rejected" && (s.reason as ConnectError).code)).toEqual([
      Code.DeadlineExceeded,
      Code.DeadlineExceeded,
    ]);

    const short = createCallBatcher({
      maxCalls: 64,
      sendOne: recorder().sendOne,
      sendBatch: async () => create(BatchResponseSchema, { results: [{ result: { case: "getTuple", value: {} } }] }),
    });
    const [first, second] = await Promise.allSettled([short.run(get("a")), short.run(get("b"))]);
    expect(first.status).toBe("fulfilled");
    expect(second.status === "rejected" && (second.reason as ConnectError).code).toBe(Code.Internal);
  });
});
