import type { LoadRun } from "../transport/load-run.js";
import type { CacheCounters } from "./latest-cache-stats.js";
import type { CacheScenarioId } from "./cache-scenario.js";

/** One measured ghz run of a cache scenario: the transport harness's LoadRun plus what only a real server has. */
export interface CacheLoadRun extends LoadRun<CacheScenarioId> {
  /** Redis + PostgreSQL CPU (all their processes) during the run, per response. */
  storeCpuMicrosPerRequest: number;
  /** How the L1 counters moved during the run; undefined without a cache. */
  cache: Omit<CacheCounters, "state"> | undefined;
}
