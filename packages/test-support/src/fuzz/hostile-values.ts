import { type JsonObject, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import type { ChannelVersionSchema, TypedValueSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { Rng } from "./rng.js";

export const specialChannels = ["__error__", "__interrupt__", "__scheduled__", "__resume__", "__pregel_tasks", "__no_writes__"];

/** Short hostile text: empty, NUL, control and odd Unicode, injection-looking, or an ordinary id. */
export function shortString(r: Rng): string {
  switch (r.int(0, 9)) {
    case 0:
      return "";
    case 1:
      return r.pick(["\0", "a\0b", "t\0", "\0\0\0\0", `n${r.int(0, 9)}\u0000x`]);
    case 2:
      return r.pick(["\ud800", "\udfff", "😀", "\u202e\u0301", "\uffff", "\u{10ffff}", "a\u2028b", "\u0085"]);
    case 3:
      return r.pick([" ", "\n", "\t\r", "'", '"', "\\", "%00", "\\u0000", "'); drop table checkpoints; --", "../../etc/passwd", "$1", "?"]);
    case 4:
      return String.fromCharCode(...Array.from({ length: r.int(1, 40) }, () => r.int(1, 0xd7ff)));
    default:
      return r.chance(0.1) ? `big${r.int(0, 1)}` : `t${r.int(0, 30)}`;
  }
}

/** shortString, or sometimes huge (up to 1 MB, compressible or not). */
export function hostileString(r: Rng): string {
  if (!r.chance(0.08)) return shortString(r);
  const size = r.pick([3_000, 10_000, 100_000, 1_000_000]);
  return r.chance(0.5) ? "x".repeat(size) : r.bytes(size / 2).toString("hex");
}

export function hostileVersion(r: Rng): MessageInitShape<typeof ChannelVersionSchema> {
  switch (r.int(0, 4)) {
    case 0:
      return {}; // no oneof set
    case 1:
      return { kind: { case: "intValue", value: r.pick([0n, -1n, 1n, -(2n ** 63n), 2n ** 63n - 1n, BigInt(r.int(0, 1e6))]) } };
    case 2:
      return { kind: { case: "floatValue", value: r.pick([0, -0, 0.5, NaN, Infinity, -Infinity, 1e308, 5e-324]) } };
    default:
      return { kind: { case: "stringValue", value: shortString(r) } };
  }
}

export function hostileValue(r: Rng): MessageInitShape<typeof TypedValueSchema> {
  return { type: shortString(r), data: r.bytes(r.int(0, 64)) };
}

export function mapOf<T>(r: Rng, size: number, make: () => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (let i = 0; i < size; i++) out[size > 50 ? `k${i}` : r.chance(0.2) ? shortString(r) : `c${r.int(0, 20)}`] = make();
  return out;
}

/** A JSON object for metadata/filter: odd keys and values, sometimes deep, sometimes 10k keys. */
export function hostileStruct(r: Rng, big: boolean, depth = r.chance(0.1) ? r.int(20, 120) : r.int(0, 3)): JsonObject {
  if (big) {
    const wide: JsonObject = {};
    for (let i = 0; i < 10_000; i++) wide[`k${i}`] = i % 3 === 0 ? `v${i}` : i;
    return wide;
  }
  const scalar = (): JsonValue =>
    r.pick<() => JsonValue>([
      () => null,
      () => r.chance(0.5),
      () => r.pick([0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity]),
      () => shortString(r),
      () => `run-${r.int(0, 5)}`,
    ])();
  const build = (d: number): JsonValue => {
    if (d <= 0) return scalar();
    if (r.chance(0.3)) return [build(d - 1)];
    return { [r.chance(0.8) ? "a" : shortString(r)]: build(d - 1) };
  };
  const out: JsonObject = {};
  const n = r.int(0, 4);
  for (let i = 0; i < n; i++) out[r.chance(0.3) ? shortString(r) : r.pick(["run_id", "step", "source", "parents", "writes"])] = scalar();
  if (depth > 0) out.nested = build(depth);
  return out;
}

export function hostileConfig(r: Rng) {
  if (r.chance(0.08)) return undefined;
  return {
    threadId: hostileString(r),
    ...(r.chance(0.5) ? { checkpointNs: r.chance(0.5) ? "" : hostileString(r) } : {}),
    checkpointId: r.chance(0.4) ? "" : hostileString(r),
  };
}

/** A valid-shaped request for `method` whose field values are hostile. */
