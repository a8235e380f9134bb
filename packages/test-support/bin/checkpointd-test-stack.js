#!/usr/bin/env node
// The `checkpointd-test-stack` program (see src/test-stack-main.ts): plain ESM, so the bin link
// pnpm makes at install time has a target before the package is built.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/test-stack-main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(`test-stack: ${fileURLToPath(main)} is missing: build first (\`pnpm run build\` at the root)\n`);
  process.exit(1);
}
await import(main.href);
