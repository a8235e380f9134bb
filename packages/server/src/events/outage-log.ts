import type { Logger } from "pino";

/** Logs an outage once when it starts and once when it ends, not once per failed call. */
export interface OutageLog {
  /** A call succeeded. */
  ok(): void;
  /** A call failed; logs only the first failure of an outage. */
  failed(error: unknown): void;
}

export function createOutageLog(logger: Logger, what: string): OutageLog {
  let down = false;
  return {
    ok() {
      if (!down) return;
      down = false;
      logger.info(`${what}: publishing again`);
    },
    failed(error) {
      if (down) return;
      down = true;
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, `${what} unavailable: notifications dropped`);
    },
  };
}
