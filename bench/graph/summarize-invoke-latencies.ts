/** p50 and p99 (nearest rank) of latencies in ms; NaN when there are none. */
export function summarizeLatencies(latencies: readonly number[]): { p50Ms: number; p99Ms: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}
