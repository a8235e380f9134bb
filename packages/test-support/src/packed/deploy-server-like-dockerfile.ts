import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { runTool, userEnv } from "./run-tool.js";

export interface DeployedServer {
  /** Files of the deployed package itself (node_modules left out). */
  files: string[];
  /** The @checkpointd packages among its installed dependencies. */
  checkpointdDependencies: string[];
}

/**
 * Runs the Dockerfile's own `pnpm … deploy … /out` command (read from the Dockerfile, so the two
 * cannot drift apart), with `destination` for /out: what the image's /app holds.
 */
export async function deployServerLikeDockerfile(root: string, destination: string): Promise<DeployedServer> {
  const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8").replace(/\\\n/g, " ");
  const command = /\bpnpm (--filter @checkpointd\/server deploy(?: --[a-z-]+)*) \/out\b/.exec(dockerfile);
  if (command === null) throw new Error("the Dockerfile runs no `pnpm --filter @checkpointd/server deploy … /out`");
  await runTool("pnpm", [...command[1]!.split(" "), destination], {
    cwd: root,
    env: userEnv(),
    timeoutMs: 180_000,
    missingHint: "install pnpm (npm install -g pnpm@10.34.8)",
  });
  const files = readdirSync(destination, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && !relative(destination, entry.parentPath).split("/").includes("node_modules"))
    .map((entry) => relative(destination, join(entry.parentPath, entry.name)));
  const checkpointdDependencies = readdirSync(join(destination, "node_modules/@checkpointd")).map((name) => `@checkpointd/${name}`);
  return { files, checkpointdDependencies };
}
