import type { JsonObject } from "@bufbuild/protobuf";
import type { ChannelVersion, CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { decodeTypedValue } from "./decode-typed-value.js";

export type VersionView = number | string | null;

export interface ChannelView {
  version: VersionView;
  /** Absent when the checkpoint has a version of the channel but no value (an emptied channel). */
  type?: string;
  bytes?: number;
  value?: unknown;
}

export interface WriteView {
  task_id: string;
  task_path: string;
  channel: string;
  type: string;
  value: unknown;
}

/** A checkpoint tuple for people and scripts: values decoded, versions as LangGraph typed them. */
export interface TupleView {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  ts: string;
  metadata: JsonObject;
  channels: Record<string, ChannelView>;
  versions_seen: Record<string, Record<string, VersionView>>;
  updated_channels: string[];
  pending_writes: WriteView[];
}

export function versionView(version: ChannelVersion | undefined): VersionView {
  switch (version?.kind.case) {
    case "intValue":
      return Number(version.kind.value);
    case "floatValue":
    case "stringValue":
      return version.kind.value;
    default:
      return null;
  }
}

export function tupleView(tuple: CheckpointTuple): TupleView {
  const checkpoint = tuple.checkpoint;
  const channels: Record<string, ChannelView> = {};
  const names = new Set([...Object.keys(checkpoint?.channelVersions ?? {}), ...Object.keys(checkpoint?.channelValues ?? {})]);
  for (const name of [...names].sort()) {
    const value = checkpoint?.channelValues[name];
    channels[name] = {
      version: versionView(checkpoint?.channelVersions[name]),
      ...(value === undefined ? {} : { type: value.type, bytes: value.data.length, value: decodeTypedValue(value.type, value.data) }),
    };
  }
  const versionsSeen: TupleView["versions_seen"] = {};
  for (const [node, seen] of Object.entries(checkpoint?.versionsSeen ?? {})) {
    versionsSeen[node] = Object.fromEntries(Object.entries(seen.versions).map(([c, v]) => [c, versionView(v)]));
  }
  return {
    thread_id: tuple.config?.threadId ?? "",
    checkpoint_ns: tuple.config?.checkpointNs ?? "",
    checkpoint_id: tuple.config?.checkpointId ?? "",
    parent_checkpoint_id: tuple.parentConfig?.checkpointId || null,
    ts: checkpoint?.ts ?? "",
    metadata: tuple.metadata ?? {},
    channels,
    versions_seen: versionsSeen,
    updated_channels: [...(checkpoint?.updatedChannels ?? [])],
    pending_writes: tuple.pendingWrites.map((w) => ({
      task_id: w.taskId,
      task_path: w.taskPath,
      channel: w.channel,
      type: w.value?.type ?? "",
      value: w.value === undefined ? null : decodeTypedValue(w.value.type, w.value.data),
    })),
  };
}

/** "step 3, loop" from LangGraph's metadata, for tables. */
export function describeMetadata(metadata: JsonObject | undefined): { step: string; source: string } {
  const step = metadata?.step;
  const source = metadata?.source;
  return { step: typeof step === "number" ? String(step) : "", source: typeof source === "string" ? source : "" };
}
