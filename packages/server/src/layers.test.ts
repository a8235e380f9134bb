import { describe, expect, test } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * The folders of packages/server/src, top down. A file may import files of its
 * own folder and of folders on a lower line; folders on one line are siblings
 * and never import each other. "." is the composition root (cli.ts,
 * start-checkpointd.ts, index.ts, health-check.ts). Test helpers live in
 * packages/test-support, not here.
 */
const layers: readonly (readonly string[])[] = [
  ["."],
  // commands: the client verbs; they talk to a server through @checkpointd/client, never to the layers below.
  ["commands"],
  ["transport"],
  ["auth"],
  ["service"],
  ["cache", "events"],
  // mapping: proto <-> domain (and the cache's bytes); storage: domain only, never protobuf.
  ["mapping", "storage"],
  // metrics: the prom-client registry and instruments; tracing: the OpenTelemetry glue. Both recorded into from above.
  ["domain", "errors", "config", "redis", "metrics", "tracing"],
];

const srcDir = dirname(fileURLToPath(import.meta.url));

/** Non-test .ts files under dir, relative to srcDir with "/" separators. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts")
      ? [relative(srcDir, path).split("\\").join("/")]
      : [];
  });
}

/** Each file's relative imports (static, re-exports and dynamic), as files relative to srcDir. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  return new Map(
    files.map((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(join(srcDir, file), "utf8"), true, true);
      const targets = importedFiles
        .map((i) => i.fileName)
        .filter((specifier) => specifier.startsWith("."))
        .map((specifier) =>
          relative(srcDir, resolve(srcDir, dirname(file), specifier.replace(/\.js$/, ".ts")))
            .split("\\")
            .join("/"),
        );
      return [file, targets];
    }),
  );
}

const folderOf = (file: string) => (file.includes("/") ? file.slice(0, file.indexOf("/")) : ".");

/** "a.ts -> b.ts (why)" for every import that is not downward, given the layer table. */
function layerViolations(graph: ReadonlyMap<string, readonly string[]>, table: readonly (readonly string[])[]): string[] {
  const rank = new Map(table.flatMap((line, i) => line.map((folder) => [folder, i] as const)));
  const violations: string[] = [];
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    for (const target of targets) {
      const to = folderOf(target);
      if (to === from) continue;
      const [a, b] = [rank.get(from), rank.get(to)];
      if (a === undefined || b === undefined) violations.push(`${file} -> ${target} (${a === undefined ? from : to}/ is in no layer)`);
      else if (b === a) violations.push(`${file} -> ${target} (${from}/ and ${to}/ are siblings)`);
      else if (b < a) violations.push(`${file} -> ${target} (${to}/ is above ${from}/)`);
    }
  }
  return violations;
}

/** One import cycle among the files, as a path that comes back to its start, or undefined. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    const seen = path.indexOf(file);
    if (seen >= 0) return [...path.slice(seen), file];
    if (done.has(file)) return undefined;
    path.push(file);
    for (const target of graph.get(file) ?? []) {
      const cycle = visit(target);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    done.add(file);
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

describe("layers of packages/server/src", () => {
  const files = sourceFiles(srcDir);
  const graph = importGraph(files);

  test("every folder has a layer", () => {
    const placed = new Set(layers.flat());
    expect([...new Set(files.map(folderOf))].filter((folder) => !placed.has(folder))).toEqual([]);
  });

  test("every import points down the layers", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(layerViolations(graph, layers)).toEqual([]);
  });

  test("no file imports itself through others", () => {
    expect(findCycle(graph)).toBeUndefined();
  });

  test("the checks catch an upward import, a sibling import and a cycle", () => {
    const upward = new Map([["storage/a.ts", ["service/b.ts"]]]);
    const sibling = new Map([["cache/a.ts", ["events/b.ts"]]]);
    expect(layerViolations(upward, layers)).toEqual(["storage/a.ts -> service/b.ts (service/ is above storage/)"]);
    expect(layerViolations(sibling, layers)).toEqual(["cache/a.ts -> events/b.ts (cache/ and events/ are siblings)"]);
    expect(layerViolations(new Map([["service/a.ts", ["storage/b.ts", "domain/c.ts"]]]), layers)).toEqual([]);
    const cycle = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
    ]);
    expect(findCycle(cycle)).toEqual(["a.ts", "b.ts", "c.ts", "a.ts"]);
  });
});
