import { readFileSync } from "node:fs";

export interface HeapSnapshotSummary {
  /** Bytes of every node in the snapshot: the live heap, since V8 collects garbage before it takes one. */
  liveBytes: number;
  /** Per `type:name` (constructor for objects), node count and self bytes. */
  groups: Map<string, { count: number; bytes: number }>;
}

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/**
 * Reads a `.heapsnapshot` file (V8's JSON format, as `--heapsnapshot-signal` writes it) and sums
 * its nodes' self sizes, in total and per type and constructor name. Strings are grouped by type
 * only, not by content.
 */
export function summarizeHeapSnapshot(path: string): HeapSnapshotSummary {
  const raw = JSON.parse(readFileSync(path, "utf8")) as RawSnapshot;
  const fields = raw.snapshot.meta.node_fields;
  const types = raw.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const groups = new Map<string, { count: number; bytes: number }>();
  let liveBytes = 0;
  for (let i = 0; i < raw.nodes.length; i += width) {
    const type = types[raw.nodes[i + typeAt]!] ?? "?";
    const size = raw.nodes[i + sizeAt]!;
    liveBytes += size;
    const byName = type === "object" || type === "closure" || type === "native";
    const key = byName ? `${type}:${raw.strings[raw.nodes[i + nameAt]!] ?? "?"}` : type;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { count: 1, bytes: size });
    else {
      group.count += 1;
      group.bytes += size;
    }
  }
  return { liveBytes, groups };
}

/** The groups that grew most in bytes from `before` to `after`, as table rows. */
export function heapGrowth(before: HeapSnapshotSummary, after: HeapSnapshotSummary, top = 12): string[] {
  const rows = [...after.groups].map(([key, a]) => {
    const b = before.groups.get(key) ?? { count: 0, bytes: 0 };
    return { key, count: [b.count, a.count] as const, bytes: [b.bytes, a.bytes] as const, grew: a.bytes - b.bytes };
  });
  return rows
    .sort((x, y) => y.grew - x.grew)
    .slice(0, top)
    .map(
      (r) =>
        `| \`${r.key.replaceAll("|", "\\|").slice(0, 60)}\` | ${r.count[0]} → ${r.count[1]} | ${(r.bytes[0] / 1024).toFixed(0)} → ${(r.bytes[1] / 1024).toFixed(0)} KiB |`,
    );
}
