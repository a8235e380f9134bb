import type { GhzResult } from "./run-ghz.js";
import type { TransportLibrary } from "./transport-library.js";

/** One measured ghz run against one server (a library here; a cache scenario in cache/). */
export interface LoadRun<Label extends string = TransportLibrary> {
  round: number;
  library: Label;
  result: GhzResult;
  /** Server process CPU (user + system) during the run, per response. */
  serverCpuMicrosPerRequest: number;
}
