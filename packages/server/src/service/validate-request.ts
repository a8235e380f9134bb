import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { CheckpointConfig } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { timestampTimeOf } from "../domain/checkpoint-time.js";
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

/** A Timestamp field as UTC text with microseconds (see domain/checkpoint-time.ts); unset is undefined. */
export function optionalTime(timestamp: Timestamp | undefined, field: string): string | undefined {
  if (timestamp === undefined) return undefined;
  const time = timestampTimeOf(timestamp.seconds, timestamp.nanos);
  if (time === undefined) throw invalidArgument(`${field} must be a time between 0001-01-01 and 9999-12-31 with nanos in 0..999999999`);
  return time;
}
