/** One difference between two JSON values, at a path like `messages[3].content`. */
export interface JsonChange {
  path: string;
  op: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const key = (path: string, k: string) =>
  /^[A-Za-z_$][\w$]*$/.test(k) ? (path === "" ? k : `${path}.${k}`) : `${path}[${JSON.stringify(k)}]`;

/**
 * A structural diff of two decoded values: objects key by key, arrays element by element (a list
 * that grew at its end, such as a conversation's messages, shows only the added elements).
 * Bounded: at most `limit` changes are returned.
 */
export function jsonDiff(before: unknown, after: unknown, path = "", limit = 200): JsonChange[] {
  const out: JsonChange[] = [];
  const walk = (a: unknown, b: unknown, at: string) => {
    if (out.length >= limit || same(a, b)) return;
    if (Array.isArray(a) && Array.isArray(b)) {
      const common = Math.min(a.length, b.length);
      for (let i = 0; i < common; i++) walk(a[i], b[i], `${at}[${i}]`);
      for (let i = common; i < b.length && out.length < limit; i++) out.push({ path: `${at}[${i}]`, op: "added", after: b[i] });
      for (let i = common; i < a.length && out.length < limit; i++) out.push({ path: `${at}[${i}]`, op: "removed", before: a[i] });
      return;
    }
    if (isObject(a) && isObject(b)) {
      for (const k of Object.keys(a)) {
        if (!(k in b)) out.push({ path: key(at, k), op: "removed", before: a[k] });
        else walk(a[k], b[k], key(at, k));
      }
      for (const k of Object.keys(b)) if (!(k in a) && out.length < limit) out.push({ path: key(at, k), op: "added", after: b[k] });
      return;
    }
    out.push({ path: at, op: "changed", before: a, after: b });
  };
  walk(before, after, path);
  return out;
}

/**
 * "human: hello" for a value that looks like a chat message (LangChain's serialized form
 * `{lc, id: [..., "HumanMessage"], kwargs: {content}}`, a plain `{role|type, content}`, or a
 * Python message as `{"$type": "...HumanMessage", content}`); undefined otherwise.
 */
export function describeMessage(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const kwargs = isObject(value.kwargs) ? value.kwargs : value;
  const content = kwargs.content;
  if (content === undefined) return undefined;
  const className = Array.isArray(value.id)
    ? String(value.id[value.id.length - 1])
    : typeof value.$type === "string"
      ? value.$type.split(".").pop()!
      : undefined;
  const role =
    typeof kwargs.type === "string"
      ? kwargs.type
      : typeof kwargs.role === "string"
        ? kwargs.role
        : className !== undefined
          ? className.replace(/MessageChunk$|Message$/, "").toLowerCase()
          : "message";
  return `${role}: ${typeof content === "string" ? content : JSON.stringify(content)}`;
}
