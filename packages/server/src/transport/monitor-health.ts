import type { Logger } from "pino";
import type { CheckpointCache } from "../cache/checkpoint-cache.js";
import type { TenantStorage } from "../storage/checkpoint-storage.js";
import type { HealthService } from "./health-service.js";

/** The health service name that reports the L1 cache: NOT_SERVING while degraded (storage still serves). */
export const cacheHealthName = "checkpointd.cache";

export interface HealthMonitorOptions {
  storage: Pick<TenantStorage, "ping">;
  /** The services whose health is the database's. */
  services: readonly string[];
  cache?: CheckpointCache | undefined;
  health: HealthService;
  logger: Logger;
  intervalMs: number;
  /** A ping slower than this counts as down (default 3 x intervalMs, at least 1.5 s). */
  timeoutMs?: number;
}

/**
 * Pings storage every intervalMs and flips the server and its services between
 * SERVING and NOT_SERVING. A refused connection shows at the next ping; a ping
 * slower than timeoutMs counts as down too (a hung database), with enough room
 * that a busy server is not reported down. The cache's state is reported under
 * its own name.
 */
export function monitorHealth(options: HealthMonitorOptions): { stop(): void } {
  const { storage, health, logger, intervalMs, cache } = options;
  const timeoutMs = options.timeoutMs ?? Math.max(3 * intervalMs, 1_500);
  const setDatabase = (status: "SERVING" | "NOT_SERVING") => {
    for (const service of ["", ...options.services]) health.set(service, status);
  };
  let running = false;
  const tick = async () => {
    if (cache !== undefined) health.set(cacheHealthName, cache.stats().state === "ok" ? "SERVING" : "NOT_SERVING");
    if (running) return;
    running = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        storage.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      if (health.status("") !== "SERVING") logger.info("database reachable again: SERVING");
      setDatabase("SERVING");
    } catch (error) {
      if (health.status("") !== "NOT_SERVING") logger.warn({ err: (error as Error).message }, "database unreachable: NOT_SERVING");
      setDatabase("NOT_SERVING");
    } finally {
      clearTimeout(timer);
      running = false;
    }
  };
  const interval = setInterval(() => void tick(), intervalMs);
  interval.unref();
  return { stop: () => clearInterval(interval) };
}
