import type { MessageInitShape } from "@bufbuild/protobuf";
import type { BatchCall, BatchResultSchema, CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { clientSafeStatus } from "../errors/client-safe-status.js";
import { invalidArgument, type ErrorLogger } from "../errors/service-error.js";
import type { HandlerContext, ServiceImpl } from "./service-impl.js";

type Methods = ServiceImpl<typeof CheckpointService>;
type BatchResultInit = MessageInitShape<typeof BatchResultSchema>;

/** Calls in one Batch request; more is INVALID_ARGUMENT. */
export const maxBatchCalls = 1000;

const batchPath = `/checkpointd.v1.CheckpointService/Batch`;

/** A failed call's result: the status the call alone would have failed with. */
function errorResult(error: unknown, method: string, logError: ErrorLogger | undefined): BatchResultInit {
  const { code, message } = clientSafeStatus(error, `${batchPath} ${method}`, logError);
  return { result: { case: "error", value: { code, message } } };
}

async function runCall(methods: Methods, call: BatchCall, index: number, context: HandlerContext): Promise<BatchResultInit> {
  switch (call.call.case) {
    case "put":
      return { result: { case: "put", value: await methods.put(call.call.value, context) } };
    case "putWrites":
      return { result: { case: "putWrites", value: await methods.putWrites(call.call.value, context) } };
    case "getTuple":
      return { result: { case: "getTuple", value: await methods.getTuple(call.call.value, context) } };
    default:
      throw invalidArgument(`calls[${index}] names no call (put, put_writes or get_tuple)`);
  }
}

/**
 * Batch: the calls run concurrently through the same methods as when sent
 * alone (so that storage sees together what arrived together), and
 * one call's failure is its own result, not the batch's.
 */
export function createBatchMethod(methods: Methods, logError?: ErrorLogger): Methods["batch"] {
  return async (request, context) => {
    if (request.calls.length > maxBatchCalls) {
      throw invalidArgument(`a batch holds at most ${maxBatchCalls} calls, not ${request.calls.length}`);
    }
    const results = await Promise.all(
      request.calls.map((call, i) =>
        runCall(methods, call, i, context).catch((error: unknown) => errorResult(error, call.call.case ?? "unknown", logError)),
      ),
    );
    return { results };
  };
}
