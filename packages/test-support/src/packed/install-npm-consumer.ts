import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTool, userEnv } from "./run-tool.js";

export interface InstallNpmConsumerOptions {
  /** An empty directory outside the workspace: the consumer project. */
  dir: string;
  /** Local tarballs (`pnpm pack` output), installed together so that they satisfy each other. */
  tarballs: readonly string[];
  /** Registry packages as `name@version`. */
  registry: readonly string[];
}

/** A fresh ESM project in `dir` with a plain `npm install` of the tarballs and registry packages. */
export async function installNpmConsumer(options: InstallNpmConsumerOptions): Promise<void> {
  const manifest = { name: "checkpointd-consumer", version: "0.0.0", private: true, type: "module" };
  writeFileSync(join(options.dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await runTool("npm", ["install", "--no-audit", "--no-fund", "--save-exact", ...options.tarballs, ...options.registry], {
    cwd: options.dir,
    env: userEnv(),
    timeoutMs: 180_000,
    missingHint: "install Node.js 20+ with npm",
  });
}
