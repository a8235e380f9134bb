export { checkpointdCliPath, spawnCheckpointd } from "./spawn-checkpointd.js";
export type { RunningCheckpointd, SpawnCheckpointdOptions } from "./spawn-checkpointd.js";
