/** Every path a package.json points into its package with (`exports`, `bin`, `types`), as written. */
export function manifestTargets(manifest: { exports?: unknown; bin?: unknown; types?: unknown }): string[] {
  return [manifest.exports, manifest.bin, manifest.types].flatMap(paths);
}

function paths(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(paths);
}

/** Whether a target (`./dist/x.js`, or a subpath pattern with `*`) names a file among a tarball's entries. */
export function packedHas(target: string, entries: readonly string[]): boolean {
  const escaped = target
    .replace(/^\.\//, "")
    .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".+");
  const pattern = new RegExp(`^${escaped}$`);
  return entries.some((entry) => pattern.test(entry));
}
