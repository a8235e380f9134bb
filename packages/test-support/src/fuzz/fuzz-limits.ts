/**
 * The hang detector of every fuzz request: a List of every thread after the 10k-entry probes
 * streams tens of MB and takes ~10 s on a loaded machine.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * The heavy probes (10k-entry maps, 70k ids; sent one at a time): a List of every thread reads
 * ~60k values and 60k writes back, 3–10 s on a quiet 2-core machine and 30 s once seen in CI with
 * another test file running beside it. A hang is past this.
 */
export const HEAVY_REQUEST_TIMEOUT_MS = 90_000;
export const MiB = 1024 * 1024;
export const SERVICE = "checkpointd.v1.CheckpointService";
