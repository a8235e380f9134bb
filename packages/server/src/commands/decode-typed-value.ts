import { decode, ExtensionCodec } from "@msgpack/msgpack";

/** LangGraph Python's msgpack extension types (langgraph.checkpoint.serde.jsonplus). */
const ext = { singleArg: 0, posArgs: 1, kwArgs: 2, methodSingleArg: 3, pydanticV1: 4, pydanticV2: 5, numpyArray: 6, deltaSnapshot: 7 };

const hex = (data: Uint8Array) => Buffer.from(data).toString("hex");

/** A Python object as LangGraph packed it, readably: `{"$type": "module.Name", ...fields}`. */
function readableExt(type: number, data: Uint8Array): unknown {
  const payload = decode(data, { extensionCodec: codec }) as unknown;
  if (!Array.isArray(payload)) return { $ext: type, value: payload };
  const [module, name, arg] = payload as [unknown, unknown, unknown];
  const $type = `${String(module)}.${String(name)}`;
  switch (type) {
    case ext.kwArgs:
    case ext.pydanticV1:
    case ext.pydanticV2:
      return typeof arg === "object" && arg !== null && !Array.isArray(arg) ? { $type, ...arg } : { $type, value: arg };
    case ext.posArgs:
      return { $type, args: arg };
    case ext.singleArg:
    case ext.methodSingleArg:
      return { $type, value: arg };
    case ext.numpyArray:
      return { $type: "numpy.ndarray", dtype: module, shape: name };
    default:
      return { $ext: type, value: payload };
  }
}

const codec = new ExtensionCodec();
for (const type of Object.values(ext)) codec.register({ type, encode: () => null, decode: (data) => readableExt(type, data) });

/** What a decoded value is shown as when it cannot be decoded: its type and bytes in hex. */
export interface RawValue {
  $type: string;
  hex: string;
}

/**
 * A TypedValue for people: `json` parsed, `msgpack` unpacked (LangGraph's extension types shown
 * as `{"$type": …}` objects), `null` as null, `str` as text; anything else (or bytes that do not
 * decode) as its type and hex bytes. For display only: the bytes themselves are never changed.
 */
export function decodeTypedValue(type: string, data: Uint8Array): unknown {
  try {
    switch (type) {
      case "json":
        return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data)) as unknown;
      case "msgpack":
        return decode(data, { extensionCodec: codec, useBigInt64: false }) as unknown;
      case "null":
      case "empty":
        return null;
      case "str":
        return new TextDecoder("utf-8", { fatal: true }).decode(data);
      default:
        break;
    }
  } catch {
    // Not what the type says: shown raw below.
  }
  return { $type: type, hex: hex(data) } satisfies RawValue;
}

/** A decoded value on one line (for tables), with bytes shown as hex. */
export function displayValue(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) => {
      if (v instanceof Uint8Array) return { $bytes: hex(v) };
      if (typeof v === "bigint") return v.toString();
      return v;
    }) ?? "undefined"
  );
}
