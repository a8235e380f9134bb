import { writeFileSync } from "node:fs";
import { Session, type Profiler } from "node:inspector";
import { join } from "node:path";

/**
 * Profiles this process (V8's sampling profiler, 1 ms, through the in-process
 * inspector, as cache/cpu-profile-preload.ts does for the servers) until
 * stop(), which writes a `.cpuprofile` into `dir`.
 */
export function startProcessProfile(dir: string): { stop(): void } {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 1000 });
  session.post("Profiler.start");
  return {
    stop() {
      // The in-process inspector answers synchronously.
      session.post("Profiler.stop", (error: Error | null, result: Profiler.StopReturnType) => {
        if (error === null) writeFileSync(join(dir, `CPU.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
      });
      session.disconnect();
    },
  };
}
