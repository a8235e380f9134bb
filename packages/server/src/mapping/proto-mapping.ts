import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  ChannelVersionSchema,
  CheckpointTupleSchema,
  type ChannelVersion as ProtoChannelVersion,
  type Checkpoint as ProtoCheckpoint,
  type CheckpointTuple as ProtoCheckpointTuple,
  type TypedValue as ProtoTypedValue,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import type { ChannelVersion, Checkpoint, CheckpointTuple, TypedValue } from "../domain/checkpoint.js";
import { invalidArgument } from "../errors/service-error.js";

/** Proto <-> domain for checkpoints; storage never sees the protobuf side (see layers.test.ts). */

export function versionFromProto(version: ProtoChannelVersion, field: string): ChannelVersion {
  if (version.kind.case === undefined) throw invalidArgument(`${field} has no value (set int_value, float_value or string_value)`);
  return version.kind.value;
}

export function versionsFromProto(versions: Record<string, ProtoChannelVersion>, field: string): Record<string, ChannelVersion> {
  const out: Record<string, ChannelVersion> = {};
  for (const [channel, version] of Object.entries(versions)) out[channel] = versionFromProto(version, `${field}["${channel}"]`);
  return out;
}

function versionToProto(version: ChannelVersion): ProtoChannelVersion {
  switch (typeof version) {
    case "bigint":
      return create(ChannelVersionSchema, { kind: { case: "intValue", value: version } });
    case "number":
      return create(ChannelVersionSchema, { kind: { case: "floatValue", value: version } });
    default:
      return create(ChannelVersionSchema, { kind: { case: "stringValue", value: version } });
  }
}

function mapRecord<A, B>(record: Record<string, A>, fn: (a: A, key: string) => B): Record<string, B> {
  const out: Record<string, B> = {};
  for (const [k, v] of Object.entries(record)) out[k] = fn(v, k);
  return out;
}

const valueFromProto = (v: ProtoTypedValue): TypedValue => ({ type: v.type, data: v.data });

export function checkpointFromProto(checkpoint: ProtoCheckpoint): Checkpoint {
  return {
    v: checkpoint.v,
    id: checkpoint.id,
    ts: checkpoint.ts,
    channelValues: mapRecord(checkpoint.channelValues, valueFromProto),
    channelVersions: versionsFromProto(checkpoint.channelVersions, "checkpoint.channel_versions"),
    versionsSeen: mapRecord(checkpoint.versionsSeen, (seen, node) =>
      versionsFromProto(seen.versions, `checkpoint.versions_seen["${node}"]`),
    ),
    updatedChannels: checkpoint.updatedChannels,
    pendingSends: checkpoint.pendingSends.map(valueFromProto),
    extra: mapRecord(checkpoint.extra, valueFromProto),
  };
}

/** The inverse of tupleToProto, for tuples this server encoded itself (the cache). */
export function tupleFromProto(tuple: ProtoCheckpointTuple): CheckpointTuple {
  const config = tuple.config;
  if (config === undefined || tuple.checkpoint === undefined) throw new Error("a stored tuple lacks config or checkpoint");
  return {
    key: { threadId: config.threadId, checkpointNs: config.checkpointNs ?? "", checkpointId: config.checkpointId },
    checkpoint: checkpointFromProto(tuple.checkpoint),
    metadata: tuple.metadata ?? {},
    parentCheckpointId: tuple.parentConfig?.checkpointId,
    pendingWrites: tuple.pendingWrites.map((w) => ({
      taskId: w.taskId,
      channel: w.channel,
      value: w.value === undefined ? { type: "", data: new Uint8Array() } : valueFromProto(w.value),
      taskPath: w.taskPath,
    })),
  };
}

export function tupleToProto(tuple: CheckpointTuple): MessageInitShape<typeof CheckpointTupleSchema> {
  const { key, checkpoint } = tuple;
  return {
    config: { threadId: key.threadId, checkpointNs: key.checkpointNs, checkpointId: key.checkpointId },
    checkpoint: {
      v: checkpoint.v,
      id: checkpoint.id,
      ts: checkpoint.ts,
      channelValues: checkpoint.channelValues,
      channelVersions: mapRecord(checkpoint.channelVersions, versionToProto),
      versionsSeen: mapRecord(checkpoint.versionsSeen, (seen) => ({ versions: mapRecord(seen, versionToProto) })),
      updatedChannels: checkpoint.updatedChannels,
      pendingSends: checkpoint.pendingSends,
      extra: checkpoint.extra,
    },
    metadata: tuple.metadata,
    ...(tuple.parentCheckpointId === undefined
      ? {}
      : { parentConfig: { threadId: key.threadId, checkpointNs: key.checkpointNs, checkpointId: tuple.parentCheckpointId } }),
    pendingWrites: tuple.pendingWrites,
  };
}
