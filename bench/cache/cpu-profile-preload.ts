/**
 * Preloaded into a server process (`NODE_OPTIONS=--import …`) when the cache
 * benchmark runs with --cpu-prof: Node 20 refuses `--cpu-prof` in
 * NODE_OPTIONS, and the servers are started by code that only lets the
 * environment through. Starts V8's sampling profiler through the in-process
 * inspector and, when the process exits, writes a `.cpuprofile` (the same
 * format `node --cpu-prof` writes) into $CHECKPOINTD_CPU_PROFILE_DIR.
 */
import { writeFileSync } from "node:fs";
import { Session, type Profiler } from "node:inspector";
import { join } from "node:path";

const dir = process.env["CHECKPOINTD_CPU_PROFILE_DIR"];
if (dir !== undefined && dir !== "") {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  // 1 ms, like `node --cpu-prof`.
  session.post("Profiler.setSamplingInterval", { interval: 1000 });
  session.post("Profiler.start");
  // The in-process inspector answers synchronously, so this completes inside the exit handler.
  process.once("exit", () => {
    session.post("Profiler.stop", (error: Error | null, result: Profiler.StopReturnType) => {
      if (error === null) writeFileSync(join(dir, `CPU.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
    session.disconnect();
  });
}
