import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** The parts of a V8 .cpuprofile (what `node --cpu-prof` writes) that are used here. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTimeEntry {
  /** `function (where:line)`; V8's pseudo-frames keep their names: (garbage collector), (program), (idle). */
  name: string;
  selfMs: number;
  /** Share of all non-idle samples. */
  percent: number;
}

export interface CpuProfileSummary {
  /** Non-idle sampled time, ms. */
  busyMs: number;
  /** The functions with the most self time. */
  top: SelfTimeEntry[];
  /** Self time per package (`@grpc/grpc-js`, `ioredis`, `packages/server`, `node:internal`, V8 pseudo-frames…), all of them. */
  byPackage: SelfTimeEntry[];
}

/** A file URL shortened to the package path after the last node_modules/, or to the repository path. */
function shortUrl(url: string): string {
  if (url === "") return "";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  const repo = url.indexOf("/packages/");
  return repo >= 0 ? url.slice(repo + 1) : url.replace(/^file:\/\//, "");
}

/** The package a (shortened) script URL belongs to. */
function packageOf(where: string, fn: string): string {
  if (where === "") return fn.startsWith("(") ? fn : "(native)";
  if (where.startsWith("node:")) return "node:internal";
  const parts = where.split("/");
  if (parts[0] === "packages") return parts.slice(0, 2).join("/");
  return parts[0]?.startsWith("@") === true ? parts.slice(0, 2).join("/") : (parts[0] ?? where);
}

const ranked = (micros: Map<string, number>, busy: number, limit: number): SelfTimeEntry[] =>
  [...micros.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, value]) => ({ name, selfMs: value / 1000, percent: busy > 0 ? (100 * value) / busy : 0 }));

/**
 * Self time per function (summed over every .cpuprofile in `dir`: one per
 * process that exited), highest first, as a share of busy (non-idle) time.
 */
export function summarizeCpuProfile(dir: string, limit: number): CpuProfileSummary {
  const selfMicros = new Map<string, number>();
  const packageMicros = new Map<string, number>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
    const frames = new Map(
      profile.nodes.map(({ id, callFrame }) => {
        const where = shortUrl(callFrame.url);
        const fn = callFrame.functionName === "" ? "(anonymous)" : callFrame.functionName;
        return [id, { name: where === "" ? fn : `${fn} (${where}:${callFrame.lineNumber + 1})`, pkg: packageOf(where, fn) }];
      }),
    );
    profile.samples.forEach((nodeId, i) => {
      const frame = frames.get(nodeId) ?? { name: "(unknown)", pkg: "(unknown)" };
      const delta = profile.timeDeltas[i] ?? 0;
      selfMicros.set(frame.name, (selfMicros.get(frame.name) ?? 0) + delta);
      packageMicros.set(frame.pkg, (packageMicros.get(frame.pkg) ?? 0) + delta);
    });
  }
  selfMicros.delete("(idle)");
  packageMicros.delete("(idle)");
  const busy = [...selfMicros.values()].reduce((total, micros) => total + micros, 0);
  return { busyMs: busy / 1000, top: ranked(selfMicros, busy, limit), byPackage: ranked(packageMicros, busy, Number.POSITIVE_INFINITY) };
}
