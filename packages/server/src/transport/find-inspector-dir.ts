import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The built web inspector (@checkpointd/inspector's dist/, a dependency of
 * this package), or undefined when it is not installed or not built.
 */
export function findInspectorDir(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve("@checkpointd/inspector/package.json");
    const dir = join(dirname(manifest), "dist");
    return existsSync(join(dir, "index.html")) ? dir : undefined;
  } catch {
    return undefined;
  }
}
