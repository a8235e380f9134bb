import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ChannelVersion as ProtoChannelVersion, ChannelVersionSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import type { ChannelVersions } from "@langchain/langgraph-checkpoint";

/** A LangGraph channel version: a number (LangGraph.js) or a string (LangGraph Python). */
export type ChannelVersion = ChannelVersions[string];

/**
 * Channel versions keep their JavaScript type through the server: a safe
 * integer travels as int_value and comes back as a number, any other number
 * as float_value, a string as string_value.
 */
export function encodeChannelVersion(version: ChannelVersion): MessageInitShape<typeof ChannelVersionSchema> {
  if (typeof version === "string") return { kind: { case: "stringValue", value: version } };
  if (Number.isSafeInteger(version)) return { kind: { case: "intValue", value: BigInt(version) } };
  return { kind: { case: "floatValue", value: version } };
}

export function decodeChannelVersion(version: ProtoChannelVersion, where: string): ChannelVersion {
  switch (version.kind.case) {
    case "intValue":
      return Number(version.kind.value);
    case "floatValue":
    case "stringValue":
      return version.kind.value;
    default:
      throw new Error(`checkpointd returned a channel version without a value at ${where}`);
  }
}

export function encodeChannelVersions(
  versions: Readonly<Record<string, ChannelVersion>>,
): Record<string, MessageInitShape<typeof ChannelVersionSchema>> {
  const out: Record<string, MessageInitShape<typeof ChannelVersionSchema>> = {};
  for (const [channel, version] of Object.entries(versions)) out[channel] = encodeChannelVersion(version);
  return out;
}

export function decodeChannelVersions(
  versions: Readonly<Record<string, ProtoChannelVersion>>,
  where: string,
): Record<string, ChannelVersion> {
  const out: Record<string, ChannelVersion> = {};
  for (const [channel, version] of Object.entries(versions)) out[channel] = decodeChannelVersion(version, `${where}.${channel}`);
  return out;
}
