import type { Logger } from "pino";
import type { CheckpointStorage } from "../storage/checkpoint-storage.js";
import type { HealthService } from "./health-service.js";

/**
 * Pings storage every intervalMs and flips health between SERVING and
 * NOT_SERVING. A ping that takes longer than the interval counts as down, so
 * a hung database shows within two intervals.
 */
export function monitorHealth(storage: CheckpointStorage, health: HealthService, logger: Logger, intervalMs: number): { stop(): void } {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        storage.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${intervalMs} ms`)), intervalMs);
        }),
      ]);
      if (health.status("") !== "SERVING") logger.info("database reachable again: SERVING");
      health.setAll("SERVING");
    } catch (error) {
      if (health.status("") !== "NOT_SERVING") logger.warn({ err: (error as Error).message }, "database unreachable: NOT_SERVING");
      health.setAll("NOT_SERVING");
    } finally {
      clearTimeout(timer);
      running = false;
    }
  };
  const interval = setInterval(() => void tick(), intervalMs);
  interval.unref();
  return { stop: () => clearInterval(interval) };
}
