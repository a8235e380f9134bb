import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { clone, create, equals, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { CheckpointConfigSchema, CheckpointTupleSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import {
  BatchRequestSchema,
  PutRequestSchema,
  type BatchCall,
  type BatchResult,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { sampleHistory } from "@checkpointd/test-support";
import { startTestServer, testEngines, type TestServer } from "@checkpointd/test-support/server";
import { maxBatchCalls } from "./batch-method.js";

type BatchCallInit = Parameters<TestServer["client"]["batch"]>[0]["calls"] extends (infer C)[] | undefined ? C : never;

const putCall = (put: BatchCall["call"] & { case: "put" }): BatchCallInit => ({ call: put });
const errorOf = (result: BatchResult | undefined) => (result?.result.case === "error" ? result.result.value : undefined);

describe.each(testEngines)("Batch over gRPC on %s", (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => {
    await server.close();
  });

  it("runs puts, writes and reads of one request, each with its own result in request order", async () => {
    const [first, second] = sampleHistory("batch-a", "");
    await server.client.put(first!.put);
    const { results } = await server.client.batch({
      calls: [
        // The writes of step 1 before its checkpoint, and an interrupt among them: the calls are unordered.
        ...second!.writes.map((w): BatchCallInit => ({ call: { case: "putWrites", value: w } })),
        putCall({ case: "put", value: second!.put }),
        {
          call: { case: "getTuple", value: { config: { threadId: "batch-a", checkpointNs: "", checkpointId: first!.put.checkpoint!.id } } },
        },
        { call: { case: "getTuple", value: { config: { threadId: "no-such-thread" } } } },
      ],
    });
    const n = second!.writes.length;
    expect(results.map((r) => r.result.case)).toEqual([...Array<string>(n).fill("putWrites"), "put", "getTuple", "getTuple"]);
    const put = results[n]!.result;
    expect(put.case === "put" && put.value.config?.checkpointId).toBe(second!.put.checkpoint!.id);
    const read = results[n + 1]!.result;
    expect(read.case === "getTuple" && read.value.tuple?.checkpoint?.id).toBe(first!.put.checkpoint!.id);
    const missing = results[n + 2]!.result;
    expect(missing.case === "getTuple" && missing.value.tuple).toBeUndefined();
    // What the batch wrote reads back as if sent one by one.
    const { tuple } = await server.client.getTuple({ config: { threadId: "batch-a", checkpointNs: "" } });
    expect(equals(CheckpointTupleSchema, tuple!, second!.expected)).toBe(true);
  });

  it("fails a bad call alone, with the status it would get on its own", async () => {
    const [step] = sampleHistory("batch-b", "");
    const bad = clone(PutRequestSchema, step!.put);
    bad.config = create(CheckpointConfigSchema, { threadId: "" });
    const alone = await server.client.put(bad).then(
      () => undefined,
      (e: unknown) => e as ConnectError,
    );
    expect(alone?.code).toBe(Code.InvalidArgument);
    const { results } = await server.client.batch({
      calls: [putCall({ case: "put", value: bad }), putCall({ case: "put", value: step!.put }), { call: { case: undefined } }],
    });
    expect(errorOf(results[0])).toEqual(expect.objectContaining({ code: Code.InvalidArgument, message: alone!.rawMessage }));
    expect(results[1]!.result.case).toBe("put");
    expect(errorOf(results[2])).toEqual(
      expect.objectContaining({ code: Code.InvalidArgument, message: expect.stringMatching(/calls\[2\] names no call/) }),
    );
    const { tuple } = await server.client.getTuple({ config: { threadId: "batch-b", checkpointNs: "" } });
    expect(tuple?.checkpoint?.id).toBe(step!.put.checkpoint!.id);
  });

  it("answers an empty batch with no results and refuses more than the limit, naming it", async () => {
    expect((await server.client.batch({ calls: [] })).results).toEqual([]);
    const read: BatchCallInit = { call: { case: "getTuple", value: { config: { threadId: "batch-c" } } } };
    const request = create(BatchRequestSchema, { calls: Array.from({ length: maxBatchCalls + 1 }, () => read) });
    expect(toBinary(BatchRequestSchema, request).byteLength).toBeLessThan(1_000_000);
    const error = await server.client.batch(request).then(
      () => undefined,
      (e: unknown) => e as ConnectError,
    );
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toBe(`a batch holds at most ${maxBatchCalls} calls, not ${maxBatchCalls + 1}`);
    expect((await server.client.batch({ calls: Array.from({ length: maxBatchCalls }, () => read) })).results).toHaveLength(maxBatchCalls);
  });
});
