import { create, toBinary } from "@bufbuild/protobuf";
import { hostileRequest } from "./hostile-requests.js";
import { type Method } from "./methods.js";
import { Rng } from "./rng.js";

export function sampleBytes(r: Rng, method: Method): Buffer {
  return Buffer.from(toBinary(method.schema, create(method.schema, hostileRequest(r, method) as never)));
}

/** Random bytes, or a valid encoding with bytes flipped, cut, or spliced. */
export function junkPayload(r: Rng, method: Method): Buffer {
  if (r.chance(0.5)) return r.bytes(r.pick([0, 1, 2, 5, 17, 64, 300, 4096, 65_536]));
  const bytes = sampleBytes(r, method);
  if (bytes.length > 0) {
    const flips = r.int(1, 8);
    for (let i = 0; i < flips; i++) bytes[r.int(0, bytes.length - 1)] = r.int(0, 255);
  }
  switch (r.int(0, 2)) {
    case 0:
      return bytes.subarray(0, r.int(0, bytes.length));
    case 1:
      return Buffer.concat([bytes, r.bytes(r.int(1, 32))]);
    default:
      return bytes;
  }
}

// Protobuf wire helpers for messages the typed clients refuse to build (very deep Structs).
export function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
export const lenField = (field: number, length: number) => [(field << 3) | 2, ...varint(length)];

/**
 * A google.protobuf.Struct `{"m": v}` where v nests `depth` levels of Struct
 * ({"a": ...}, Value.struct_value) or ListValue ([...], Value.list_value),
 * built outside-in so that it is linear in depth.
 */
export function deepStruct(depth: number, useList: boolean): Buffer {
  const prefixes: number[][] = [];
  let size = 2; // innermost Value: null_value (field 1, varint 0)
  for (let i = 0; i < depth; i++) {
    if (useList) {
      const list = lenField(1, size); // ListValue.values
      size += list.length;
      const value = lenField(6, size); // Value.list_value
      size += value.length;
      prefixes.push([...value, ...list]);
    } else {
      const valueField = lenField(2, size); // entry.value
      const entrySize = 3 + valueField.length + size; // entry.key "a"
      const entry = lenField(1, entrySize); // Struct.fields
      const structSize = entry.length + entrySize;
      const value = lenField(5, structSize); // Value.struct_value
      size = value.length + structSize;
      prefixes.push([...value, ...entry, 0x0a, 0x01, 0x61, ...valueField]);
    }
  }
  const valueField = lenField(2, size);
  const entrySize = 3 + valueField.length + size;
  const head = [...lenField(1, entrySize), 0x0a, 0x01, 0x6d, ...valueField];
  const body = Buffer.from([...head, ...prefixes.reverse().flat(), 0x08, 0x00]);
  return body;
}
