import { decode } from "@msgpack/msgpack";
import { createLanggraphExtCodec } from "./langgraph-ext-codec.js";

/** A stored value ready to show: decoded when its serializer type is known, hex otherwise. */
export type DecodedValue =
  { kind: "decoded"; type: string; value: unknown } | { kind: "raw"; type: string; hex: string; size: number; error?: string };

const extensionCodec = createLanggraphExtCodec();
const hexLimit = 4096;

export function toHex(data: Uint8Array, limit = hexLimit): string {
  let out = "";
  const n = Math.min(data.length, limit);
  for (let i = 0; i < n; i++) out += (i > 0 && i % 2 === 0 ? " " : "") + data[i]!.toString(16).padStart(2, "0");
  return data.length > limit ? `${out} …` : out;
}

const raw = (type: string, data: Uint8Array, error?: string): DecodedValue => ({
  kind: "raw",
  type,
  hex: toHex(data),
  size: data.length,
  ...(error === undefined ? {} : { error }),
});

/** Decodes a TypedValue's bytes for display (never for writing back: the server keeps the bytes). */
export function decodeValue(type: string, data: Uint8Array): DecodedValue {
  try {
    switch (type) {
      case "json":
        return { kind: "decoded", type, value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data)) as unknown };
      case "msgpack":
        return { kind: "decoded", type, value: decode(data, { extensionCodec, useBigInt64: true }) };
      case "null":
        return { kind: "decoded", type, value: null };
      case "str":
        return { kind: "decoded", type, value: new TextDecoder().decode(data) };
      default:
        return raw(type, data);
    }
  } catch (error) {
    return raw(type, data, `cannot decode as ${type}: ${(error as Error).message}`);
  }
}

/** JSON text of a decoded value: bigints as numbers' digits, bytes as hex. */
export function showJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes: ${toHex(v, 64)}>` : v),
    indent,
  );
}
