export { CheckpointdSaver } from "./checkpointd-saver.js";
export type { CheckpointdSaverOptions, FromUrlOptions, PruneMode } from "./checkpointd-saver.js";
export { decodeChannelVersion, encodeChannelVersion } from "./channel-version-codec.js";
export { answerInterrupt, type AnsweredInterrupt } from "./answer-interrupt.js";
export { waitForResume, type ClaimedResume } from "./wait-for-resume.js";
export { LeaseLostError, ThreadLeases, type SingleWriterOptions } from "./thread-leases.js";
export { waitForLease, leaseHolderOf, type HeldLease, type WaitForLeaseOptions } from "@checkpointd/client";
