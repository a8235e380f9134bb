import type { MessageInitShape } from "@bufbuild/protobuf";
import type { BatchCallSchema, BatchResponse, BatchResult } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";

/** One call as a Batch carries it. */
export type BatchCallInit = MessageInitShape<typeof BatchCallSchema>;
/** The answer to one call: the response in the call's own case, or its error. */
export type BatchCallResult = BatchResult["result"];

export interface CallBatcherOptions {
  /** Calls per Batch request at most; more go in further requests. */
  maxCalls: number;
  /** Sends one call on its own (its own RPC, with the client's retries). */
  sendOne: (call: BatchCallInit) => Promise<BatchCallResult>;
  /** Sends a Batch request (with the client's retries). */
  sendBatch: (calls: BatchCallInit[]) => Promise<BatchResponse>;
}

export interface CallBatcher {
  /** Runs the call in the next batch; resolves with its result, rejects with its error. */
  run(call: BatchCallInit): Promise<BatchCallResult>;
}

interface Queued {
  call: BatchCallInit;
  resolve: (result: BatchCallResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups the calls made in one turn of the event loop (what a process with
 * many graphs in flight issues while it handles a burst of responses) into
 * Batch requests of at most maxCalls, one a turn, so that they share one round
 * trip and the per-call cost of the gRPC stack. A call alone goes as its own
 * RPC, so a quiet client waits at most one turn. A failed call is rejected on its own; one that failed with
 * UNAVAILABLE is sent again on its own, so it gets the same retries as
 * unbatched. A server without Batch (UNIMPLEMENTED) is sent single calls from
 * then on.
 */
export function createCallBatcher(options: CallBatcherOptions): CallBatcher {
  const maxCalls = Math.max(1, Math.floor(options.maxCalls));
  const queue: Queued[] = [];
  let scheduled = false;
  let batchSupported = true;

  const sendAlone = (q: Queued) => options.sendOne(q.call).then(q.resolve, q.reject);

  async function sendBatch(chunk: Queued[]): Promise<void> {
    let response: BatchResponse;
    try {
      response = await options.sendBatch(chunk.map((q) => q.call));
    } catch (error) {
      if (error instanceof ConnectError && error.code === Code.Unimplemented) {
        batchSupported = false;
        await Promise.all(chunk.map(sendAlone));
        return;
      }
      for (const q of chunk) q.reject(error);
      return;
    }
    const retries: Promise<void>[] = [];
    chunk.forEach((q, i) => {
      const result = response.results[i]?.result;
      if (result === undefined || result.case === undefined) {
        q.reject(new ConnectError(`the server's Batch response has no result for call ${i}`, Code.Internal));
      } else if (result.case !== "error") {
        q.resolve(result);
      } else if (result.value.code === Code.Unavailable) {
        retries.push(sendAlone(q));
      } else {
        q.reject(new ConnectError(result.value.message, result.value.code as Code));
      }
    });
    await Promise.all(retries);
  }

  /**
   * One batch a turn: the first maxCalls queued calls go now, the rest at the next
   * turn, with whatever calls that turn adds. Sending every batch of a burst at once
   * kept a busy client in lockstep with the server (the server answered them all
   * together, then idled while the client worked through the answers); a batch a
   * turn keeps both busy.
   */
  function flush() {
    scheduled = false;
    const calls = queue.splice(0, maxCalls);
    if (queue.length > 0) {
      scheduled = true;
      setImmediate(flush);
    }
    if (calls.length === 1 || !batchSupported) {
      for (const q of calls) void sendAlone(q);
    } else if (calls.length > 1) {
      void sendBatch(calls);
    }
  }

  return {
    run(call) {
      return new Promise<BatchCallResult>((resolve, reject) => {
        queue.push({ call, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
