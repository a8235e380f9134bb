/** One difference between two JSON-like values, at a path of keys and indexes. */
export interface JsonChange {
  path: (string | number)[];
  op: "add" | "remove" | "change";
  before?: unknown;
  after?: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "bigint" || typeof b === "bigint") return String(a) === String(b) && typeof a === typeof b;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && same(a[k], b[k]));
  }
  return false;
}

/**
 * A structural diff: objects key by key, arrays index by index (extra items
 * added or removed at the end), anything else compared whole. Bounded: at
 * most `limit` changes are reported.
 */
export function diffJson(before: unknown, after: unknown, limit = 500): JsonChange[] {
  const out: JsonChange[] = [];
  const walk = (a: unknown, b: unknown, path: (string | number)[]) => {
    if (out.length >= limit || same(a, b)) return;
    if (isRecord(a) && isRecord(b)) {
      for (const key of Object.keys(a)) {
        if (!(key in b)) out.push({ path: [...path, key], op: "remove", before: a[key] });
        else walk(a[key], b[key], [...path, key]);
      }
      for (const key of Object.keys(b)) if (!(key in a)) out.push({ path: [...path, key], op: "add", after: b[key] });
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const common = Math.min(a.length, b.length);
      for (let i = 0; i < common; i++) walk(a[i], b[i], [...path, i]);
      for (let i = common; i < b.length; i++) out.push({ path: [...path, i], op: "add", after: b[i] });
      for (let i = common; i < a.length; i++) out.push({ path: [...path, i], op: "remove", before: a[i] });
      return;
    }
    out.push({ path, op: "change", before: a, after: b });
  };
  walk(before, after, []);
  return out.slice(0, limit);
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.length === 0 ? "(value)" : path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
}
