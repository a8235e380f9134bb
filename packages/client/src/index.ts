export { createCheckpointdClient } from "./create-checkpointd-client.js";
export { fromUrl } from "./from-url.js";
export { bearerAuthorization, type TokenProvider } from "./bearer-token.js";
export type {
  AcquireLeaseInput,
  ReleaseLeaseInput,
  RenewLeaseInput,
  CheckpointdClient,
  ClaimResumeInput,
  CopyThreadInput,
  DeleteForRunsInput,
  GetDeltaChannelHistoryInput,
  GetTupleInput,
  ListInput,
  PruneInput,
  PutInput,
  PutWritesInput,
  ResumeInput,
  SetRetentionInput,
  SubscribeInput,
  ThreadRef,
} from "./create-checkpointd-client.js";
export { EventsCompactedError, compactedErrorOf } from "./events-compacted-error.js";
export { defaultRetryOptions } from "./checkpointd-client-options.js";
export type {
  CallOptions,
  CheckpointdClientOptions,
  CheckpointdTlsOptions,
  HeadersProvider,
  RetryOptions,
} from "./checkpointd-client-options.js";
export { parseAddress, type ParsedAddress } from "./parse-address.js";
export { backoffDelay } from "./backoff-delay.js";
export { isRetryableError } from "./call-with-retries.js";
export type { ThreadWatch, WatchOptions, WatchReconnectOptions, WatchThread } from "./watch-threads.js";
export {
  fencingTokenHeader,
  leaseHolderOf,
  leaseRefusalMessage,
  waitForLease,
  type HeldLease,
  type WaitForLeaseOptions,
} from "./wait-for-lease.js";
