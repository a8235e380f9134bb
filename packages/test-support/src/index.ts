export { runCheckpointdProcess, type CheckpointdProcess, type RunCheckpointdProcessOptions } from "./run-checkpointd-process.js";
