export interface WaitUntilOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Checked before each attempt: a returned message aborts the wait at once. */
  fatal?: () => string | undefined;
}

/** Calls `probe` until it resolves; rejects with the last failure once the deadline passes. */
export async function waitUntil(what: string, probe: () => Promise<void>, options: WaitUntilOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError = "no attempt made";
  for (;;) {
    const fatal = options.fatal?.();
    if (fatal !== undefined) throw new Error(`${what}: ${fatal}`);
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(`${what} was not ready after ${Math.round(timeoutMs / 1000)} s (last error: ${lastError})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
