import { createHash } from "node:crypto";
import { chunkSizes, cutChunks, cutPoints } from "./cut-chunks.js";

const sizes = chunkSizes(2048);

/** Prose-like text (words from a PRNG), so that no two stretches repeat. */
function prose(seed: number, length: number): string {
  const words = ["the", "agent", "called", "a", "tool", "and", "read", "its", "answer", "before", "writing", "to", "user", "checkpoint"];
  let x = seed >>> 0 || 1;
  let text = "";
  while (text.length < length) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    text += `${words[x % words.length]} `;
  }
  return text.slice(0, length);
}

const messages = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `m-${i}`, role: i % 2 ? "ai" : "human", content: prose(i + 1, 400) }));

/** msgpack by hand: an array (fixarray, or array16 past 15) of maps of strings, as Python's serializer writes messages. */
function msgpackArray(items: ReturnType<typeof messages>): Uint8Array {
  const out: number[] = [];
  const str = (s: string) => {
    const bytes = Buffer.from(s);
    if (bytes.length < 32) out.push(0xa0 | bytes.length);
    else if (bytes.length < 256) out.push(0xd9, bytes.length);
    else out.push(0xda, bytes.length >> 8, bytes.length & 0xff);
    out.push(...bytes);
  };
  if (items.length < 16) out.push(0x90 | items.length);
  else out.push(0xdc, items.length >> 8, items.length & 0xff);
  for (const item of items) {
    out.push(0x83);
    for (const [k, v] of Object.entries(item)) {
      str(k);
      str(v);
    }
  }
  return new Uint8Array(out);
}

const digest = (chunk: Uint8Array) => createHash("sha256").update(chunk).digest("hex");
const hashes = (data: Uint8Array) => cutChunks(data, sizes).map(digest);

describe("cutChunks", () => {
  test("the chunks put back together are the value, and every chunk is within the bounds", () => {
    const data = Buffer.from(prose(7, 300_000));
    const chunks = cutChunks(data, sizes);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    chunks.slice(0, -1).forEach((c) => {
      expect(c.length).toBeGreaterThanOrEqual(sizes.min);
      expect(c.length).toBeLessThanOrEqual(sizes.max);
    });
    const average = data.length / chunks.length;
    expect(average).toBeGreaterThan(sizes.target * 0.6);
    expect(average).toBeLessThan(sizes.target * 2);
  });

  test("an empty value has no chunks, a short one is one chunk", () => {
    expect(cutPoints(new Uint8Array(), sizes)).toEqual([]);
    expect(cutPoints(new Uint8Array(100), sizes)).toEqual([100]);
  });

  test("bytes that never match a cut (all zeros) are cut at the maximum", () => {
    expect(cutPoints(new Uint8Array(sizes.max * 3 + 5), sizes)).toEqual([sizes.max, 2 * sizes.max, 3 * sizes.max, 3 * sizes.max + 5]);
  });

  test("appending to a JSON array shares every chunk but the last", () => {
    for (const n of [40, 200, 600]) {
      const before = hashes(Buffer.from(JSON.stringify(messages(n))));
      const after = hashes(Buffer.from(JSON.stringify(messages(n + 1))));
      expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1));
      expect(after.length - (before.length - 1)).toBeLessThanOrEqual(3);
    }
  });

  test("appending to a msgpack array (whose header counts the items) shares every chunk but the first and the last", () => {
    for (const n of [40, 200, 600]) {
      const before = hashes(msgpackArray(messages(n)));
      const after = hashes(msgpackArray(messages(n + 1)));
      expect(after[0]).not.toEqual(before[0]);
      const shared = new Set(before);
      const fresh = after.filter((h) => !shared.has(h));
      // The first chunk, the old last one grown, and at most one more where the cut after it moved.
      expect(fresh.length).toBeLessThanOrEqual(3);
      expect(after.slice(1, before.length - 1)).toEqual(before.slice(1, -1));
    }
  });

  test("an edit in the middle changes only the chunks around it", () => {
    const text = prose(11, 200_000);
    const before = hashes(Buffer.from(text));
    const edited = hashes(Buffer.from(text.slice(0, 100_000) + "an inserted sentence of new words. " + text.slice(100_000)));
    const shared = new Set(before);
    expect(edited.filter((h) => !shared.has(h)).length).toBeLessThanOrEqual(3);
  });

  test("cut points are fixed: the same bytes always cut the same way (stored chunk lists depend on it)", () => {
    expect(cutPoints(Buffer.from(prose(3, 20_000)), sizes)).toEqual([2242, 5311, 5955, 8112, 10205, 12652, 15095, 17607, 19661, 20000]);
  });
});
