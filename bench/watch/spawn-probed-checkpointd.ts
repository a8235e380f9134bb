import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
// The workspace root's TypeScript (the one `typecheck` runs), used here only to strip the preload's types.
import ts from "typescript";
import { spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";

/** What heap-probe-preload.ts reports: the interval since the previous probe, then memory after a forced full GC. */
export interface HeapProbe {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  rssKiB: number;
  heapUsedKiB: number;
  heapTotalKiB: number;
  externalKiB: number;
  arrayBuffersKiB: number;
}

export interface ProbedCheckpointd {
  server: SpawnedCheckpointd;
  /** Asks the server for a probe (SIGUSR2) and waits for its line (5 s at most). */
  probe(): Promise<HeapProbe>;
}

/**
 * heap-probe-preload.ts as plain JavaScript in a temp file (removed on exit),
 * for NODE_OPTIONS. Not through tsx: its loader inside the server added
 * ≈ 80 MiB of RSS and multiplied the delivery latency in a trial run.
 */
function compiledPreload(): string {
  const source = readFileSync(fileURLToPath(new URL("./heap-probe-preload.ts", import.meta.url)), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const dir = mkdtempSync(join(tmpdir(), "checkpointd-watch-preload-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "heap-probe-preload.mjs");
  writeFileSync(file, outputText);
  return pathToFileURL(file).href;
}

/**
 * `spawnCheckpointd` with heap-probe-preload.ts loaded into the server: the
 * bench can then read the server's live heap, event-loop delay and GC pauses.
 */
export async function spawnProbedCheckpointd(args: readonly string[], env: Record<string, string>): Promise<ProbedCheckpointd> {
  const server = await spawnCheckpointd(args, { ...env, NODE_OPTIONS: `--import=${compiledPreload()}` });
  let seen = 0;
  const probes = (): HeapProbe[] =>
    server
      .output()
      .stderr.split("\n")
      .filter((line) => line.startsWith("heap-probe "))
      .map((line) => JSON.parse(line.slice("heap-probe ".length)) as HeapProbe);
  seen = probes().length;
  return {
    server,
    async probe() {
      server.process.kill("SIGUSR2");
      const deadline = Date.now() + 5_000;
      for (;;) {
        const all = probes();
        if (all.length > seen) {
          seen = all.length;
          const last = all.at(-1);
          if (last !== undefined) return last;
        }
        if (Date.now() > deadline) throw new Error("the server did not answer the heap probe within 5 s");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
