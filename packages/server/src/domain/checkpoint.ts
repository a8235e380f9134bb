/**
 * Domain types: what storage, the cache and the service speak. Storage never
 * sees a protobuf type; the conversions to and from them are in `mapping/`,
 * which the service, the cache and the event layer import.
 */

/** `bigint` is an integer version, `number` a float version, `string` a string version. */
export type ChannelVersion = bigint | number | string;

export interface TypedValue {
  type: string;
  data: Uint8Array;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface CheckpointKey {
  threadId: string;
  checkpointNs: string;
  checkpointId: string;
}

export interface Checkpoint {
  v: number;
  id: string;
  ts: string;
  channelValues: Record<string, TypedValue>;
  channelVersions: Record<string, ChannelVersion>;
  versionsSeen: Record<string, Record<string, ChannelVersion>>;
  updatedChannels: string[];
  pendingSends: TypedValue[];
  extra: Record<string, TypedValue>;
}

export interface PendingWrite {
  taskId: string;
  channel: string;
  value: TypedValue;
  taskPath: string;
}

export interface CheckpointTuple {
  key: CheckpointKey;
  checkpoint: Checkpoint;
  metadata: JsonObject;
  parentCheckpointId: string | undefined;
  pendingWrites: PendingWrite[];
}
