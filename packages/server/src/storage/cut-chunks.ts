/**
 * Content-defined chunking (Gear rolling hash with FastCDC's normalized
 * masks): cut points depend only on the 32 bytes before them, so an edit moves
 * the cuts near it and leaves every other chunk as it was. A value that grows
 * by appending (a JSON or msgpack list of messages) keeps all its chunks but
 * the last one, and the first one when its header changes (msgpack's count).
 * The bytes are never decoded.
 */
export interface ChunkSizes {
  /** No chunk is shorter, except a value's last one. */
  min: number;
  /** The size chunks are normalized towards. */
  target: number;
  /** No chunk is longer. */
  max: number;
}

/** Bounds from a target: a quarter of it to eight times it. */
export function chunkSizes(target: number): ChunkSizes {
  return { min: Math.max(64, target >> 2), target, max: target * 8 };
}

/** 256 fixed pseudo-random 32-bit words (xorshift32 from a constant seed): cut points must be the same in every process forever. */
const gear = (() => {
  const table = new Uint32Array(256);
  let x = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    table[i] = x;
  }
  return table;
})();

/** A mask of `bits` one bits spread over the hash's upper 24 (the bits that have seen the most bytes). */
function spreadMask(bits: number): number {
  let mask = 0;
  const step = 24 / bits;
  for (let i = 0; i < bits; i++) mask |= 1 << (31 - Math.floor(i * step));
  return mask >>> 0;
}

/** Where each chunk ends (exclusive offsets, the last one `data.length`). An empty value has no chunks. */
export function cutPoints(data: Uint8Array, sizes: ChunkSizes): number[] {
  const bits = Math.round(Math.log2(sizes.target));
  // Harder to cut before the target, easier after it: sizes cluster around the target.
  const strict = spreadMask(bits + 2);
  const loose = spreadMask(bits - 2);
  const cuts: number[] = [];
  let start = 0;
  const length = data.length;
  while (start < length) {
    const remaining = length - start;
    if (remaining <= sizes.min) {
      cuts.push(length);
      break;
    }
    const end = start + Math.min(remaining, sizes.max);
    const normal = Math.min(end, start + sizes.target);
    let hash = 0;
    let i = start + sizes.min;
    let cut = end;
    for (; i < normal; i++) {
      hash = ((hash << 1) + gear[data[i]!]!) >>> 0;
      if ((hash & strict) === 0) {
        cut = i + 1;
        break;
      }
    }
    if (cut === end) {
      for (; i < end; i++) {
        hash = ((hash << 1) + gear[data[i]!]!) >>> 0;
        if ((hash & loose) === 0) {
          cut = i + 1;
          break;
        }
      }
    }
    cuts.push(cut);
    start = cut;
  }
  return cuts;
}

/** The value cut into chunks (views of `data`, not copies). */
export function cutChunks(data: Uint8Array, sizes: ChunkSizes): Uint8Array[] {
  let start = 0;
  return cutPoints(data, sizes).map((end) => {
    const chunk = data.subarray(start, end);
    start = end;
    return chunk;
  });
}
