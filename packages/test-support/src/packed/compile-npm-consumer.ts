import { copyFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { runTool, userEnv } from "./run-tool.js";

/**
 * Copies a TypeScript program into the consumer project and compiles it there (strict, NodeNext),
 * next to itself. The compiler is the workspace's, but every type it sees comes from the
 * consumer's node_modules: the installed packages' published declarations.
 */
export async function compileNpmConsumer(root: string, dir: string, source: string): Promise<string> {
  const file = basename(source);
  copyFileSync(source, join(dir, file));
  const compilerOptions = {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: true,
    types: ["node"],
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: [file] }));
  await runTool(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", dir], {
    cwd: dir,
    env: userEnv(),
    timeoutMs: 120_000,
    missingHint: "run pnpm install at the root",
  });
  return join(dir, file.replace(/\.ts$/, ".js"));
}
