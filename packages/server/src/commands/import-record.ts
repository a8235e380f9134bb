import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PendingWriteSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import type { PutRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

export type PutInit = MessageInitShape<typeof PutRequestSchema>;
export type PendingWriteInit = MessageInitShape<typeof PendingWriteSchema>;

/**
 * One checkpoint to write: its Put (config.checkpoint_id is the parent's id, as LangGraph's put()
 * is called; new_versions names every channel version, so every value the checkpoint holds is
 * stored) and its pending writes in their order.
 */
export interface ImportRecord {
  threadId: string;
  checkpointNs: string;
  checkpointId: string;
  put: PutInit;
  writes: PendingWriteInit[];
}

/** Channels whose writes take a fixed negative idx and overwrite (LangGraph's WRITES_IDX_MAP). */
export const specialChannels: ReadonlySet<string> = new Set(["__error__", "__scheduled__", "__interrupt__", "__resume__"]);
