import { sql, type RawBuilder } from "kysely";
import type { ChannelVersion, Checkpoint, TypedValue } from "../domain/checkpoint.js";

/**
 * How a checkpoint (minus its channel values, which live in checkpoint_blobs)
 * is kept in the `checkpoints.checkpoint` jsonb column, readable with psql.
 *
 * Channel versions keep their type: a string is a JSON string, a safe integer
 * a JSON number, a larger integer `{"int": "<digits>"}` and a float
 * `{"float": "<js repr>"}`. Values are base64 (type, data) pairs.
 */
type StoredVersion = string | number | { int: string } | { float: string };
interface StoredValue {
  type: string;
  data: string;
}
interface StoredCheckpoint {
  v: number;
  ts: string;
  channel_versions: Record<string, StoredVersion>;
  versions_seen: Record<string, Record<string, StoredVersion>>;
  updated_channels: string[];
  pending_sends: StoredValue[];
  extra: Record<string, StoredValue>;
}

/** The text a version is stored under in checkpoint_blobs.version. */
export function versionKey(version: ChannelVersion): string {
  switch (typeof version) {
    case "bigint":
      return version.toString();
    case "number":
      return `f:${String(version)}`;
    default:
      return version;
  }
}

/** versionKey() in SQL, over one stored version (a jsonb value). Keep the two in step. */
export function versionKeySql(stored: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`(case jsonb_typeof(${stored}) when 'object' then coalesce('f:' || (${stored}->>'float'), ${stored}->>'int') else ${stored} #>> '{}' end)`;
}

function encodeVersion(version: ChannelVersion): StoredVersion {
  switch (typeof version) {
    case "bigint":
      return Number.isSafeInteger(Number(version)) ? Number(version) : { int: version.toString() };
    case "number":
      return { float: String(version) };
    default:
      return version;
  }
}

function decodeVersion(stored: StoredVersion): ChannelVersion {
  if (typeof stored === "string") return stored;
  if (typeof stored === "number") return BigInt(stored);
  return "int" in stored ? BigInt(stored.int) : Number(stored.float);
}

function mapValues<A, B>(record: Record<string, A>, fn: (a: A) => B): Record<string, B> {
  const out: Record<string, B> = {};
  for (const [k, v] of Object.entries(record)) out[k] = fn(v);
  return out;
}

const encodeValue = (v: TypedValue): StoredValue => ({ type: v.type, data: Buffer.from(v.data).toString("base64") });
const decodeValue = (v: StoredValue): TypedValue => ({ type: v.type, data: new Uint8Array(Buffer.from(v.data, "base64")) });

export function encodeCheckpoint(checkpoint: Checkpoint): string {
  const stored: StoredCheckpoint = {
    v: checkpoint.v,
    ts: checkpoint.ts,
    channel_versions: mapValues(checkpoint.channelVersions, encodeVersion),
    versions_seen: mapValues(checkpoint.versionsSeen, (seen) => mapValues(seen, encodeVersion)),
    updated_channels: checkpoint.updatedChannels,
    pending_sends: checkpoint.pendingSends.map(encodeValue),
    extra: mapValues(checkpoint.extra, encodeValue),
  };
  return JSON.stringify(stored);
}

/** Rebuilds a checkpoint; channel values are filled in by the caller from the blobs. */
export function decodeCheckpoint(id: string, json: unknown): Checkpoint {
  const stored = (typeof json === "string" ? JSON.parse(json) : json) as StoredCheckpoint;
  return {
    v: stored.v,
    id,
    ts: stored.ts,
    channelValues: {},
    channelVersions: mapValues(stored.channel_versions, decodeVersion),
    versionsSeen: mapValues(stored.versions_seen, (seen) => mapValues(seen, decodeVersion)),
    updatedChannels: stored.updated_channels,
    pendingSends: stored.pending_sends.map(decodeValue),
    extra: mapValues(stored.extra, decodeValue),
  };
}
