import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import type { ChannelVersionSchema, TypedValueSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { encode } from "@msgpack/msgpack";
import type { ImportRecord, PendingWriteInit } from "./import-record.js";

type TypedValueInit = MessageInitShape<typeof TypedValueSchema>;
type VersionInit = MessageInitShape<typeof ChannelVersionSchema>;

/** A row of LangGraph's `checkpoints` table (the same columns in the Python 3.x and JS 1.x savers). */
export interface CheckpointRow {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  checkpoint: Record<string, unknown>;
  metadata: JsonObject | null;
}

/** A row of `checkpoint_blobs`: one channel's value at one version (type "empty": none). */
export interface BlobRow {
  checkpoint_ns: string;
  channel: string;
  version: string;
  type: string;
  blob: Buffer | null;
}

/** A row of `checkpoint_writes`; task_path exists in the Python layout only. */
export interface WriteRow {
  checkpoint_ns: string;
  checkpoint_id: string;
  task_id: string;
  idx: number;
  channel: string;
  type: string | null;
  blob: Buffer;
  task_path?: string;
}

const modelled = new Set(["v", "id", "ts", "channel_values", "channel_versions", "versions_seen", "updated_channels", "pending_sends"]);
const sep = "\u0000";
export const blobKey = (ns: string, channel: string, version: string) => [ns, channel, version].join(sep);

function versionOf(version: unknown): VersionInit {
  if (typeof version === "string") return { kind: { case: "stringValue", value: version } };
  if (typeof version === "number" && Number.isSafeInteger(version)) return { kind: { case: "intValue", value: BigInt(version) } };
  return { kind: { case: "floatValue", value: Number(version) } };
}

const versionsOf = (versions: unknown): Record<string, VersionInit> =>
  Object.fromEntries(Object.entries((versions ?? {}) as Record<string, unknown>).map(([c, v]) => [c, versionOf(v)]));

/**
 * A JSON value as the source saver's serializer would have written it: LangGraph Python's
 * (`null`, else msgpack) when the checkpoint came from Python, LangGraph.js's (`json`) otherwise.
 */
function typedValue(python: boolean, value: unknown): TypedValueInit {
  if (!python) return { type: "json", data: new TextEncoder().encode(JSON.stringify(value)) };
  return value === null || value === undefined ? { type: "null", data: new Uint8Array() } : { type: "msgpack", data: encode(value) };
}

/**
 * One LangGraph Postgres checkpoint as checkpointd's Put and PutWrites: values from
 * `checkpoint_blobs` by the checkpoint's channel versions (bytes unchanged), Python's inline
 * primitive values (kept in the checkpoint's JSON) encoded as its serializer would, versions with
 * their JSON type (JS numbers, Python strings), and the keys the proto does not model in `extra`,
 * as the checkpointd savers put them.
 */
export function langgraphRecord(row: CheckpointRow, blobs: ReadonlyMap<string, BlobRow>, writes: readonly WriteRow[]): ImportRecord {
  const cp = row.checkpoint;
  const versions = (cp.channel_versions ?? {}) as Record<string, unknown>;
  const python =
    Object.values(versions).some((v) => typeof v === "string") || (cp.channel_values !== undefined && cp.channel_values !== null);
  const inline = (cp.channel_values ?? {}) as Record<string, unknown>;
  const channelValues: Record<string, TypedValueInit> = {};
  for (const [channel, version] of Object.entries(versions)) {
    const blob = blobs.get(blobKey(row.checkpoint_ns, channel, String(version)));
    if (blob !== undefined && blob.type !== "empty" && blob.blob !== null)
      channelValues[channel] = { type: blob.type, data: new Uint8Array(blob.blob) };
    else if (blob === undefined && Object.prototype.hasOwnProperty.call(inline, channel))
      channelValues[channel] = typedValue(python, inline[channel]);
  }
  const versionsSeen = Object.fromEntries(
    Object.entries((cp.versions_seen ?? {}) as Record<string, unknown>).map(([node, seen]) => [node, { versions: versionsOf(seen) }]),
  );
  const extra: Record<string, TypedValueInit> = {};
  let updatedChannels: string[] = [];
  let pendingSends: TypedValueInit[] = [];
  for (const [key, value] of Object.entries(cp)) {
    if (value === undefined) continue;
    const nonEmptyList = Array.isArray(value) && value.length > 0;
    if (key === "updated_channels" && nonEmptyList && value.every((c) => typeof c === "string")) updatedChannels = value as string[];
    else if (key === "pending_sends" && nonEmptyList) pendingSends = (value as unknown[]).map((send) => typedValue(python, send));
    else if (!modelled.has(key) || key === "updated_channels" || key === "pending_sends") extra[key] = typedValue(python, value);
  }
  const checkpointNs = row.checkpoint_ns;
  return {
    threadId: row.thread_id,
    checkpointNs,
    checkpointId: row.checkpoint_id,
    put: {
      config: { threadId: row.thread_id, checkpointNs, checkpointId: row.parent_checkpoint_id ?? "" },
      checkpoint: {
        v: Number(cp.v ?? 1),
        id: row.checkpoint_id,
        ts: String(cp.ts ?? ""),
        channelValues,
        channelVersions: versionsOf(versions),
        versionsSeen,
        updatedChannels,
        pendingSends,
        extra,
      },
      metadata: row.metadata ?? {},
      newVersions: versionsOf(versions),
    },
    writes: writes.map((w): PendingWriteInit => ({
      taskId: w.task_id,
      channel: w.channel,
      taskPath: w.task_path ?? "",
      value: { type: w.type ?? "", data: new Uint8Array(w.blob) },
    })),
  };
}
