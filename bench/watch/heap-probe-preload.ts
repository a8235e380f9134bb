/**
 * Preloaded into the streams server (`NODE_OPTIONS=--import …`, as plain
 * JavaScript: see spawn-probed-checkpointd.ts). On SIGUSR2 it writes one line to stderr,
 * `heap-probe {json}`, with what only the process itself can see:
 *
 * - the event-loop delay (p99, max) and the GC pauses (count, total, longest)
 *   since the previous probe, forced collections excluded;
 * - then, after a forced full GC, the live heap and RSS (process.memoryUsage).
 *
 * The forced GC tells memory that is held apart from garbage not yet
 * collected, which RSS alone cannot. Written with writeSync to fd 2 so that it
 * never interleaves with the server's own (stdout) log lines.
 */
import { writeSync } from "node:fs";
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let gcCount = 0;
let gcTotalMs = 0;
let gcMaxMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    // A "gc" entry's detail holds its kind and flags.
    const detail: unknown = (entry as { detail?: unknown }).detail;
    const flags = typeof detail === "object" && detail !== null && "flags" in detail && typeof detail.flags === "number" ? detail.flags : 0;
    if ((flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0) continue;
    gcCount++;
    gcTotalMs += entry.duration;
    gcMaxMs = Math.max(gcMaxMs, entry.duration);
  }
}).observe({ entryTypes: ["gc"] });

process.on("SIGUSR2", () => {
  const interval = {
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
    gcCount,
    gcTotalMs,
    gcMaxMs,
  };
  loopDelay.reset();
  gcCount = 0;
  gcTotalMs = 0;
  gcMaxMs = 0;
  collectGarbage();
  const memory = process.memoryUsage();
  const probe = {
    ...interval,
    rssKiB: memory.rss / 1024,
    heapUsedKiB: memory.heapUsed / 1024,
    heapTotalKiB: memory.heapTotal / 1024,
    externalKiB: memory.external / 1024,
    arrayBuffersKiB: memory.arrayBuffers / 1024,
  };
  writeSync(2, `heap-probe ${JSON.stringify(probe)}\n`);
});
