import type { RetryOptions } from "./checkpointd-client-options.js";

/**
 * The wait before retry number `retry` (1 for the first retry): exponential,
 * capped, with "equal jitter" (half fixed, half random) so that many clients
 * that failed together do not retry together, yet each one does back off.
 */
export function backoffDelay(
  retry: number,
  policy: Pick<RetryOptions, "initialBackoffMs" | "maxBackoffMs" | "multiplier">,
  random: () => number = Math.random,
): number {
  const exponential = policy.initialBackoffMs * policy.multiplier ** Math.max(0, retry - 1);
  const capped = Math.min(policy.maxBackoffMs, exponential);
  return capped / 2 + random() * (capped / 2);
}
