import { create } from "@bufbuild/protobuf";
import {
  GetThreadStorageResponseSchema,
  type GetThreadStorageResponse,
  type ValueStorage as ValueStorageMessage,
  ValueStorageSchema,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { ThreadStorage, ValueStorage } from "../domain/thread-storage.js";

const values = (v: ValueStorage): ValueStorageMessage =>
  create(ValueStorageSchema, {
    count: BigInt(v.count),
    chunkedCount: BigInt(v.chunkedCount),
    logicalBytes: BigInt(v.logicalBytes),
    storedBytes: BigInt(v.storedBytes),
  });

/** GetThreadStorage's answer; a thread that stores nothing is `found: false` with zero counts. */
export function threadStorageToProto(storage: ThreadStorage | undefined): GetThreadStorageResponse {
  if (storage === undefined) return create(GetThreadStorageResponseSchema, { found: false });
  return create(GetThreadStorageResponseSchema, {
    found: true,
    checkpointCount: BigInt(storage.checkpointCount),
    logicalBytes: BigInt(storage.logicalBytes),
    storedBytes: BigInt(storage.storedBytes),
    channels: storage.channels.map((c) => ({ channel: c.channel, values: values(c.values) })),
    pendingWrites: values(storage.pendingWrites),
    checkpointBytes: BigInt(storage.checkpointBytes),
    chunkCount: BigInt(storage.chunkCount),
    chunkBytes: BigInt(storage.chunkBytes),
  });
}
