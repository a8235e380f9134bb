import { describe, expect, test } from "@jest/globals";
import type { Output } from "./output.js";
import { createProgress } from "./progress.js";

function capture(tty: boolean): Output & { err: string[] } {
  const err: string[] = [];
  return { err, stdout: () => true, drain: () => Promise.resolve(), stderr: (t) => void err.push(t), stderrIsTTY: tty };
}

describe("createProgress", () => {
  test("a bar on a terminal, redrawn in place, with the other counters", () => {
    const out = capture(true);
    const progress = createProgress({ out, unit: "checkpoints", total: 4, json: false, intervalMs: 0 });
    progress.add();
    progress.add(1, "skipped");
    progress.add();
    progress.done();
    expect(out.err.at(-2)).toBe("\r[###############---------------] 2/4 checkpoints (1 skipped)\x1b[K");
    expect(out.err.at(-1)).toBe("\n");
  });

  test("JSON lines with --json, the last one marked done; nothing on a pipe", () => {
    const json = capture(false);
    const progress = createProgress({ out: json, unit: "checkpoints", json: true, intervalMs: 60_000 });
    progress.add();
    progress.add(3);
    progress.done();
    expect(json.err.map((l) => JSON.parse(l) as unknown)).toEqual([
      { progress: { checkpoints: 1, done: false } },
      { progress: { checkpoints: 4, done: true } },
    ]);
    const pipe = capture(false);
    const quiet = createProgress({ out: pipe, unit: "checkpoints", json: false });
    quiet.add();
    quiet.done();
    expect(pipe.err).toEqual([]);
  });
});
