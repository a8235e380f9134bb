import { createHash } from "node:crypto";
import { brotliCompressSync, constants, deflateRawSync } from "node:zlib";
import { cutChunks, type ChunkSizes } from "./cut-chunks.js";

export type StorageCompression = "off" | "gzip" | "brotli";

/** The first byte of every stored chunk: how the rest of it is encoded. */
export const chunkCodec = { raw: 0, deflate: 1, brotli: 2 } as const;

/** Bytes of a chunk's hash (SHA-256, truncated); a value's chunk list is its chunks' hashes end to end. */
export const hashBytes = 16;

export interface ValueChunkerOptions {
  /** Values longer than this many bytes are stored as chunks; undefined: every value inline (as before 0007). */
  threshold: number | undefined;
  sizes: ChunkSizes;
  compression: StorageCompression;
  /** Encoded chunks remembered by hash, so a chunk sent again by every Put of a thread is compressed once (default 8,192). */
  encodedCacheEntries?: number;
}

/** A chunk to store once per (tenant, thread) under its hash. */
export interface ChunkRow {
  hash: Buffer;
  /** Codec byte, then the (maybe compressed) bytes. */
  data: Buffer;
  /** Length of the chunk itself. */
  size: number;
}

/** How one value is stored: inline (`blob`), or as the list of its chunks' hashes. */
export type SplitValue = { blob: Uint8Array; chunks: null; rows: [] } | { blob: null; chunks: Buffer; rows: ChunkRow[] };

export interface ValueChunker {
  split(data: Uint8Array): SplitValue;
}

const hashOf = (chunk: Uint8Array) => createHash("sha256").update(chunk).digest().subarray(0, hashBytes);

function encode(chunk: Uint8Array, compression: StorageCompression): Buffer {
  if (compression !== "off") {
    const packed =
      compression === "gzip"
        ? deflateRawSync(chunk, { level: 6 })
        : brotliCompressSync(chunk, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: chunk.length } });
    // Only when it pays: incompressible bytes stay raw.
    if (packed.length < chunk.length)
      return Buffer.concat([Buffer.of(compression === "gzip" ? chunkCodec.deflate : chunkCodec.brotli), packed]);
  }
  return Buffer.concat([Buffer.of(chunkCodec.raw), chunk]);
}

/**
 * Cuts values above the threshold into content-defined chunks (cut-chunks.ts)
 * named by hash. Every Put sends all the chunks of its values (the insert
 * skips those already stored); only the encoding of a chunk not seen lately
 * costs compression time.
 */
export function createValueChunker(options: ValueChunkerOptions): ValueChunker {
  const capacity = options.encodedCacheEntries ?? 8192;
  const encoded = new Map<string, Buffer>();

  function encodeCached(hash: Buffer, chunk: Uint8Array): Buffer {
    if (options.compression === "off") return encode(chunk, "off");
    const key = hash.toString("latin1");
    const hit = encoded.get(key);
    if (hit !== undefined) {
      encoded.delete(key);
      encoded.set(key, hit);
      return hit;
    }
    const data = encode(chunk, options.compression);
    encoded.set(key, data);
    if (encoded.size > capacity) encoded.delete(encoded.keys().next().value!);
    return data;
  }

  return {
    split(data) {
      if (options.threshold === undefined || data.length <= options.threshold) return { blob: data, chunks: null, rows: [] };
      const pieces = cutChunks(data, options.sizes);
      const hashes = Buffer.allocUnsafe(pieces.length * hashBytes);
      const rows = new Map<string, ChunkRow>();
      pieces.forEach((piece, i) => {
        const hash = hashOf(piece);
        hash.copy(hashes, i * hashBytes);
        const key = hash.toString("latin1");
        if (!rows.has(key)) rows.set(key, { hash, data: encodeCached(hash, piece), size: piece.length });
      });
      return { blob: null, chunks: hashes, rows: [...rows.values()] };
    },
  };
}
