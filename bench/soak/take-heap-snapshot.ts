import type { ChildProcess } from "node:child_process";
import { readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { summarizeHeapSnapshot, type HeapSnapshotSummary } from "./summarize-heap-snapshot.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Signals a process started with `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=<dir>`, waits
 * for the snapshot it writes into `dir` to be complete (its size still for a second and its JSON
 * whole), summarizes it and deletes the file. Gives up after 120 s.
 */
export async function takeHeapSnapshot(child: ChildProcess, dir: string): Promise<HeapSnapshotSummary> {
  const before = new Set(readdirSync(dir));
  child.kill("SIGUSR2");
  const deadline = Date.now() + 120_000;
  let file: string | undefined;
  let size = -1;
  while (Date.now() < deadline) {
    await sleep(1_000);
    file ??= readdirSync(dir).find((name) => name.endsWith(".heapsnapshot") && !before.has(name));
    if (file === undefined) continue;
    const now = statSync(path.join(dir, file)).size;
    if (now === size && now > 0) {
      try {
        const summary = summarizeHeapSnapshot(path.join(dir, file));
        rmSync(path.join(dir, file));
        return summary;
      } catch {
        // Not all written yet: V8 paused between chunks for longer than a second.
      }
    }
    size = now;
  }
  throw new Error(`no complete heap snapshot in ${dir} within 120 s of SIGUSR2 to ${child.pid}`);
}
