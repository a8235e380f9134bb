import type { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { createBatchMethod, type ServiceImpl } from "@checkpointd/server";
import { cannedGetTupleResponse } from "./canned-get-tuple-response.js";
import { putErrorMessage } from "./put-error-message.js";

/**
 * The "bare echo" floor: no storage, no validation. GetTuple returns the same
 * prebuilt tuple every time, so what is measured is the transport library
 * (HTTP/2, framing, (de)serialization, dispatch). Put always fails with
 * `putErrorMessage`, through an error the transport in use knows how to map.
 * The streaming event methods (Watch, Subscribe) end at once; Resume and
 * ClaimResume answer empty. Batch runs its calls through the methods above, as
 * checkpointd's does.
 */
export function createStubService(invalidArgument: (message: string) => Error): ServiceImpl<typeof CheckpointService> {
  const service: ServiceImpl<typeof CheckpointService> = {
    put: () => Promise.reject(invalidArgument(putErrorMessage)),
    putWrites: () => Promise.resolve({}),
    getTuple: () => Promise.resolve(cannedGetTupleResponse),
    list: async function* () {},
    deleteThread: () => Promise.resolve({}),
    copyThread: () => Promise.resolve({}),
    deleteForRuns: () => Promise.resolve({}),
    prune: () => Promise.resolve({}),
    watch: async function* () {},
    subscribe: async function* () {},
    resume: () => Promise.resolve({}),
    claimResume: () => Promise.resolve({}),
    acquireLease: () => Promise.resolve({}),
    renewLease: () => Promise.resolve({}),
    releaseLease: () => Promise.resolve({}),
    setRetention: () => Promise.resolve({}),
    getThread: () => Promise.resolve({}),
    getThreadStorage: () => Promise.resolve({}),
    getDeltaChannelHistory: () => Promise.resolve({}),
    batch: (request, context) => batch(request, context),
  };
  const batch = createBatchMethod(service);
  return service;
}
