import type { CheckpointConfig } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { invalidArgument } from "../errors/service-error.js";

export function requireField(value: string, field: string): string {
  if (value === "") throw invalidArgument(`${field} is required`);
  return value;
}

/** A config with thread_id set; an unset checkpoint_ns is "" and an empty checkpoint_id is undefined. */
export function requireConfig(
  config: CheckpointConfig | undefined,
  field: string,
): { threadId: string; checkpointNs: string; checkpointId: string | undefined } {
  if (config === undefined) throw invalidArgument(`${field}.thread_id is required`);
  return {
    threadId: requireField(config.threadId, `${field}.thread_id`),
    checkpointNs: config.checkpointNs ?? "",
    checkpointId: config.checkpointId || undefined,
  };
}
