/**
 * The hang detector of every fuzz request: a List of every thread after the 10k-entry probes
 * streams tens of MB and takes ~10 s on a loaded machine.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
export const MiB = 1024 * 1024;
export const SERVICE = "checkpointd.v1.CheckpointService";
