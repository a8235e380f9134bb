import { decode, ExtensionCodec } from "@msgpack/msgpack";

/**
 * LangGraph Python's msgpack extension types (langgraph.checkpoint.serde.jsonplus), each a
 * msgpack-encoded tuple whose first two items are the Python module and class name.
 */
export const langgraphExtTypes = {
  constructorSingleArg: 0,
  constructorPosArgs: 1,
  constructorKwArgs: 2,
  methodSingleArg: 3,
  pydanticV1: 4,
  pydanticV2: 5,
  numpyArray: 6,
} as const;

/** A Python object as the inspector shows it: its class, then its arguments or fields. */
export interface PythonObject {
  $type: string;
  [field: string]: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

function fromTuple(type: number, tuple: unknown[]): PythonObject {
  if (type === langgraphExtTypes.numpyArray) {
    const [dtype, shape, order, data] = tuple;
    return { $type: "numpy.ndarray", dtype, shape, order, bytes: data instanceof Uint8Array ? data.length : data };
  }
  const [module, name, payload, method] = tuple;
  const $type = `${String(module)}.${String(name)}`;
  const withMethod = method === undefined || method === null ? {} : { $method: method };
  switch (type) {
    case langgraphExtTypes.constructorKwArgs:
    case langgraphExtTypes.pydanticV1:
    case langgraphExtTypes.pydanticV2:
      return isRecord(payload) ? { $type, ...payload, ...withMethod } : { $type, $args: payload, ...withMethod };
    default:
      return { $type, $args: payload, ...withMethod };
  }
}

/** Decodes LangGraph's ext types into readable objects; an unknown ext type keeps its raw bytes. */
export function createLanggraphExtCodec(): ExtensionCodec {
  const codec = new ExtensionCodec();
  for (const type of Object.values(langgraphExtTypes)) {
    codec.register({
      type,
      encode: () => null,
      decode: (data) => {
        const tuple = decode(data, { extensionCodec: codec, useBigInt64: true });
        return Array.isArray(tuple) ? fromTuple(type, tuple) : { $type: `ext ${type}`, $args: tuple };
      },
    });
  }
  return codec;
}
