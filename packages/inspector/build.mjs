// Bundles the inspector into dist/: index.html plus content-hashed app-*.js and app-*.css, the
// files the server serves at /ui/ (hashed names may be cached forever; index.html never is).
import { build } from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist");
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const result = await build({
  entryPoints: { app: join(here, "src/main.tsx") },
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  entryNames: "[name]-[hash]",
  outdir: out,
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});
const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
const script = outputs.find((name) => name.endsWith(".js"));
const style = outputs.find((name) => name.endsWith(".css"));
if (script === undefined || style === undefined) throw new Error(`inspector build: expected a .js and a .css output, got ${outputs.join(", ")}`);
const html = (await readFile(join(here, "src/index.html"), "utf8")).replace("app.js", script).replace("app.css", style);
await writeFile(join(out, "index.html"), html);
