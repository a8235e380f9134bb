import {
  CopyThreadRequestSchema,
  DeleteForRunsRequestSchema,
  DeleteThreadRequestSchema,
  GetThreadRequestSchema,
  GetTupleRequestSchema,
  ListRequestSchema,
  PruneRequestSchema,
  PutRequestSchema,
  PutWritesRequestSchema,
  SetRetentionRequestSchema,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

export const methods = [
  { name: "Put", local: "put", schema: PutRequestSchema },
  { name: "PutWrites", local: "putWrites", schema: PutWritesRequestSchema },
  { name: "GetTuple", local: "getTuple", schema: GetTupleRequestSchema },
  { name: "List", local: "list", schema: ListRequestSchema },
  { name: "DeleteThread", local: "deleteThread", schema: DeleteThreadRequestSchema },
  { name: "CopyThread", local: "copyThread", schema: CopyThreadRequestSchema },
  { name: "DeleteForRuns", local: "deleteForRuns", schema: DeleteForRunsRequestSchema },
  { name: "Prune", local: "prune", schema: PruneRequestSchema },
  { name: "SetRetention", local: "setRetention", schema: SetRetentionRequestSchema },
  { name: "GetThread", local: "getThread", schema: GetThreadRequestSchema },
] as const;
export type Method = (typeof methods)[number];
