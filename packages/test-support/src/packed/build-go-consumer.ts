import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTool, userEnv } from "./run-tool.js";

export const goModulePath = "github.com/checkpointd/checkpointd/clients/go";

export interface BuildGoConsumerOptions {
  /** The module's directory (outside the workspace); created. */
  dir: string;
  /** The main package's source file, copied in as main.go. */
  mainFile: string;
  /** clients/go: the module is used through `replace`, as from a local checkout. */
  clientModuleDir: string;
}

/** A new module importing the Go client through a `replace` directive, tidied and built; returns the binary. */
export async function buildGoConsumer(options: BuildGoConsumerOptions): Promise<string> {
  mkdirSync(options.dir, { recursive: true });
  copyFileSync(options.mainFile, join(options.dir, "main.go"));
  // The client's own checksums cover every module it needs: tidy has nothing to look up.
  copyFileSync(join(options.clientModuleDir, "go.sum"), join(options.dir, "go.sum"));
  writeFileSync(
    join(options.dir, "go.mod"),
    `module checkpointd-consumer\n\ngo 1.26.0\n\nrequire ${goModulePath} v0.0.0\n\nreplace ${goModulePath} => ${options.clientModuleDir}\n`,
  );
  const env = userEnv({ GOWORK: "off" });
  const go = (args: string[]) => runTool("go", args, { cwd: options.dir, env, timeoutMs: 180_000, missingHint: "install Go 1.26+" });
  await go(["mod", "tidy"]);
  const binary = join(options.dir, "consumer");
  await go(["build", "-o", binary, "."]);
  return binary;
}
