import { sql, type RawBuilder } from "kysely";
import { brotliDecompressSync, inflateRawSync } from "node:zlib";
import { chunkCodec, hashBytes } from "./value-chunker.js";

/**
 * The chunks of the value in row `alias` (checkpoint_blobs or
 * checkpoint_writes), in order, as one bytea: each stored chunk (codec byte
 * and bytes) after its length as 4 bytes big-endian; null for an inline
 * value. Part of the statement that reads the row (the SQL function of
 * migration 0007), so a chunked value costs no extra round trip: a
 * primary-key lookup per chunk.
 */
export function chunkFramesSql(alias: string): RawBuilder<Uint8Array | null> {
  const row = sql.raw(alias);
  return sql<Uint8Array | null>`checkpointd_chunk_frames(${row}.tenant, ${row}.thread_id, ${row}.chunks)`;
}

/** How many chunks the row's value names (null for an inline value). */
export function chunkCountSql(alias: string): RawBuilder<number | null> {
  return sql<number | null>`(length(${sql.raw(alias)}.chunks) / ${sql.lit(hashBytes)})`;
}

function decode(stored: Uint8Array): Uint8Array {
  const body = stored.subarray(1);
  switch (stored[0]) {
    case chunkCodec.raw:
      return body;
    case chunkCodec.deflate:
      return inflateRawSync(body);
    case chunkCodec.brotli:
      return brotliDecompressSync(body);
    default:
      throw new Error(`a stored chunk has an unknown codec ${String(stored[0])}`);
  }
}

/**
 * The value's bytes from chunkFramesSql's frames, checked against the number
 * of chunks its list names: a missing chunk fails the read, never a value
 * with a hole in it.
 */
export function assembleValue(frames: Uint8Array | null, count: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const view = frames === null ? undefined : new DataView(frames.buffer, frames.byteOffset, frames.byteLength);
  let offset = 0;
  while (view !== undefined && offset + 4 <= view.byteLength) {
    const length = view.getInt32(offset);
    parts.push(decode(frames!.subarray(offset + 4, offset + 4 + length)));
    offset += 4 + length;
  }
  if (parts.length !== count) throw new Error(`a stored value names ${count} chunks but ${parts.length} were found`);
  return parts.length === 1 ? parts[0]! : new Uint8Array(Buffer.concat(parts));
}
