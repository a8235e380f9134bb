import v8 from "node:v8";

/** The old generation may grow to this many percent above what the last full collection kept. */
export const heapGrowingPercent = 300;

/**
 * Sizes V8's old generation for a server, not for an idle page: V8 grows the heap after a full
 * collection by a factor it derives from how fast the program allocates next to how fast it
 * collects, and a server under light load (one agent) allocates slowly, so V8 picks its smallest
 * factor (1.1) and then runs a full mark-compact every few hundred milliseconds: measured on the
 * JS bench graph at one thread, 22 of them in 150 invokes, about a third of the server's CPU per
 * invoke and most of its background threads' (bench/RESULTS.md, "GC at one agent"). A fixed
 * factor of 4 (V8's own largest) keeps one every few thousand. Left alone when the operator gave
 * node a --heap-growing-percent of their own (`node --heap-growing-percent=N …/cli.js serve`;
 * node refuses it in NODE_OPTIONS). Returns whether it set the factor.
 */
export function tuneHeapGrowth(execArgv: readonly string[] = process.execArgv, percent = heapGrowingPercent): boolean {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return true;
}
