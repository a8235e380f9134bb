import { readdirSync } from "node:fs";
import { join } from "node:path";
import { runTool, userEnv } from "./run-tool.js";

export interface PackedPackage {
  name: string;
  tarball: string;
  /** Paths inside the tarball, without the leading `package/`. */
  entries: string[];
}

/** `pnpm pack` of the workspace package in `packageDir` (built first) into `destination`. */
export async function packNpmPackage(packageDir: string, name: string, destination: string): Promise<PackedPackage> {
  const before = new Set(readdirSync(destination));
  await runTool("pnpm", ["pack", "--pack-destination", destination], {
    cwd: packageDir,
    env: userEnv(),
    timeoutMs: 60_000,
    missingHint: "install pnpm (npm install -g pnpm@10.34.8)",
  });
  const created = readdirSync(destination).filter((file) => file.endsWith(".tgz") && !before.has(file));
  if (created.length !== 1) throw new Error(`pnpm pack in ${packageDir} created ${JSON.stringify(created)}, not one tarball`);
  const tarball = join(destination, created[0]!);
  const listing = await runTool("tar", ["-tzf", tarball], { cwd: destination, timeoutMs: 30_000, missingHint: "install tar" });
  const entries = listing.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.replace(/^package\//, ""));
  return { name, tarball, entries };
}
