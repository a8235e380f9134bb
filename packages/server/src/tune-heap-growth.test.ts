import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { heapGrowingPercent, tuneHeapGrowth } from "./tune-heap-growth.js";

// The built module (the test command builds first): a child process is the only place to watch
// V8 apply the flag, in its own --trace-gc-verbose lines after a full collection.
const built = fileURLToPath(new URL("../dist/tune-heap-growth.js", import.meta.url));

/** The factor V8 applied to the old generation's limit after a full collection in a child process. */
function heapFactorAfterGc(nodeArgs: string[], percent: number): string {
  const script = `const { tuneHeapGrowth } = await import(${JSON.stringify(built)}); tuneHeapGrowth(process.execArgv, ${percent}); globalThis.gc();`;
  const child = spawnSync(process.execPath, ["--expose-gc", "--trace-gc-verbose", ...nodeArgs, "--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "" },
  });
  expect(child.status).toBe(0);
  const factors = [...child.stdout.matchAll(/\[HeapController\] Limit: .* new limit: .*\(([\d.]+)\)/g)].map((m) => m[1]);
  expect(factors.length).toBeGreaterThan(0);
  return factors.at(-1)!;
}

describe("tuneHeapGrowth", () => {
  // A forced collection in a fresh process gets V8's largest factor (4) anyway, so the flag's
  // effect is shown with another percent; the server's is V8's largest, made fixed.
  it("sets V8's growth factor of the old generation in the running process", () => {
    expect(heapFactorAfterGc([], 50)).toBe("1.5");
    expect(heapFactorAfterGc([], 120)).toBe("2.2");
    expect(heapGrowingPercent).toBe(300);
  });

  it("leaves an operator's own --heap-growing-percent on node's command line alone", () => {
    expect(heapFactorAfterGc(["--heap-growing-percent=50"], 120)).toBe("1.5");
    expect(tuneHeapGrowth(["--max-old-space-size=512", "--heap_growing_percent=10"])).toBe(false);
    expect(tuneHeapGrowth(["--heap-growing-percent", "10"])).toBe(false);
  });
});
