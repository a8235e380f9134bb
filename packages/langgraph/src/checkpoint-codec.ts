import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import type {
  Checkpoint as ProtoCheckpoint,
  CheckpointSchema,
  TypedValue,
  TypedValueSchema,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import type { Checkpoint, SerializerProtocol } from "@langchain/langgraph-checkpoint";
import { decodeChannelVersions, encodeChannelVersions } from "./channel-version-codec.js";

type TypedValueInit = MessageInitShape<typeof TypedValueSchema>;

/** The keys the proto models; everything else in a checkpoint goes to `extra`. */
const modelled = new Set(["v", "id", "ts", "channel_values", "channel_versions", "versions_seen", "updated_channels", "pending_sends"]);

export async function dumpValue(serde: SerializerProtocol, value: unknown): Promise<TypedValueInit> {
  const [type, data] = await serde.dumpsTyped(value);
  return { type, data };
}

export function loadValue(serde: SerializerProtocol, value: TypedValue | undefined): Promise<unknown> {
  if (value === undefined) return Promise.resolve(undefined);
  return serde.loadsTyped(value.type, value.data);
}

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === "string");

/**
 * A LangGraph checkpoint as the proto carries it. Only the channels in
 * `newVersions` carry values (the server stores only those; the others are
 * referenced by version). `updated_channels` and `pending_sends` use their
 * proto fields when they are non-empty; any other key, and an empty list of
 * either (so that "present but empty" survives), goes to `extra`.
 */
export async function encodeCheckpoint(
  serde: SerializerProtocol,
  checkpoint: Checkpoint,
  newVersions: Readonly<Record<string, unknown>>,
): Promise<MessageInitShape<typeof CheckpointSchema>> {
  const channelValues: Record<string, TypedValueInit> = {};
  const values: Record<string, unknown> = checkpoint.channel_values ?? {};
  for (const channel of Object.keys(newVersions)) {
    if (Object.prototype.hasOwnProperty.call(values, channel) && values[channel] !== undefined) {
      channelValues[channel] = await dumpValue(serde, values[channel]);
    }
  }
  const versionsSeen: Record<string, { versions: ReturnType<typeof encodeChannelVersions> }> = {};
  for (const [node, seen] of Object.entries(checkpoint.versions_seen ?? {})) versionsSeen[node] = { versions: encodeChannelVersions(seen) };

  const extra: Record<string, TypedValueInit> = {};
  const record = checkpoint as unknown as Record<string, unknown>;
  let updatedChannels: string[] = [];
  let pendingSends: TypedValueInit[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (key === "updated_channels" && isStringArray(value) && value.length > 0) updatedChannels = value;
    else if (key === "pending_sends" && Array.isArray(value) && value.length > 0) {
      pendingSends = await Promise.all(value.map((send: unknown) => dumpValue(serde, send)));
    } else if (!modelled.has(key) || key === "updated_channels" || key === "pending_sends") {
      extra[key] = await dumpValue(serde, value);
    }
  }
  return {
    v: checkpoint.v,
    id: checkpoint.id,
    ts: checkpoint.ts,
    channelValues,
    channelVersions: encodeChannelVersions(checkpoint.channel_versions ?? {}),
    versionsSeen,
    updatedChannels,
    pendingSends,
    extra,
  };
}

/** The inverse of encodeCheckpoint, with every stored channel value the server rebuilt. */
export async function decodeCheckpoint(serde: SerializerProtocol, proto: ProtoCheckpoint): Promise<Checkpoint> {
  const channelValues: Record<string, unknown> = {};
  for (const [channel, value] of Object.entries(proto.channelValues)) channelValues[channel] = await loadValue(serde, value);
  const versionsSeen: Checkpoint["versions_seen"] = {};
  for (const [node, seen] of Object.entries(proto.versionsSeen)) {
    versionsSeen[node] = decodeChannelVersions(seen.versions, `versions_seen.${node}`);
  }
  const checkpoint: Record<string, unknown> = {
    v: proto.v,
    id: proto.id,
    ts: proto.ts,
    channel_values: channelValues,
    channel_versions: decodeChannelVersions(proto.channelVersions, "channel_versions"),
    versions_seen: versionsSeen,
  };
  if (proto.updatedChannels.length > 0) checkpoint.updated_channels = [...proto.updatedChannels];
  if (proto.pendingSends.length > 0) checkpoint.pending_sends = await Promise.all(proto.pendingSends.map((s) => loadValue(serde, s)));
  for (const [key, value] of Object.entries(proto.extra)) checkpoint[key] = await loadValue(serde, value);
  return checkpoint as unknown as Checkpoint;
}

/**
 * Metadata travels as a JSON object (google.protobuf.Struct), written the way
 * LangGraph's own savers write their JSON metadata column: through the
 * serializer's JSON form, so that serializable LangChain objects revive.
 */
export async function encodeMetadata(serde: SerializerProtocol, metadata: unknown): Promise<JsonObject> {
  const [type, data] = await serde.dumpsTyped(metadata);
  const parsed: unknown = type === "json" ? JSON.parse(new TextDecoder().decode(data)) : JSON.parse(JSON.stringify(metadata ?? {}));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("checkpoint metadata must be an object");
  return parsed as JsonObject;
}

export async function decodeMetadata(serde: SerializerProtocol, metadata: JsonObject | undefined): Promise<Record<string, unknown>> {
  return (await serde.loadsTyped("json", JSON.stringify(metadata ?? {}))) as Record<string, unknown>;
}

/** A list filter as a JSON object (undefined entries dropped). */
export function encodeFilter(filter: Record<string, unknown> | undefined): JsonObject | undefined {
  if (filter === undefined) return undefined;
  return JSON.parse(JSON.stringify(filter)) as JsonObject;
}
