import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";

const builtins = new Set(builtinModules);

/** The package a bare import specifier names: `@scope/name/deep.js` -> `@scope/name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".js"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Every bare import in the installed package's JavaScript that names a package it does not declare
 * (dependencies or peerDependencies) and that is not a Node.js builtin, as `file: specifier`.
 */
export function undeclaredImports(packageDir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
    name: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const declared = new Set([manifest.name, ...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  const found: string[] = [];
  const importPattern =
    /(?:^|[\s;])(?:import|export)\s[^"'`;]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;
  for (const file of jsFiles(packageDir).filter((path) => !relative(packageDir, path).startsWith("node_modules"))) {
    for (const match of readFileSync(file, "utf8").matchAll(importPattern)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      if (specifier.startsWith(".") || specifier.startsWith("node:") || builtins.has(specifier)) continue;
      if (!declared.has(packageOf(specifier))) found.push(`${relative(packageDir, file)}: ${specifier}`);
    }
  }
  return found;
}
