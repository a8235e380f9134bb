import type { CaseSummary } from "./summarize-measurements.js";

/**
 * For `pnpm bench --only …`: each checkpointd case over PostgresSaver's at the
 * same concurrency, ops/s, median and round-by-round range, on stderr.
 */
export function logProbeRatios(summaries: ReadonlyMap<string, CaseSummary>, log: (message: string) => void): void {
  for (const [key, summary] of summaries) {
    const [caseId, concurrency] = key.split("@");
    if (caseId === undefined || !caseId.endsWith("/checkpointd")) continue;
    const baseline = summaries.get(`${caseId.replace(/\/checkpointd$/, "/postgresSaver")}@${concurrency}`);
    if (baseline === undefined) continue;
    const perRound = [...summary.byRound].flatMap(([round, m]) => {
      const b = baseline.byRound.get(round);
      return b === undefined ? [] : [m.loop.opsPerSecond / b.loop.opsPerSecond];
    });
    log(
      `${caseId} c=${concurrency}: ${summary.opsPerSecond.toFixed(0)} vs PostgresSaver ${baseline.opsPerSecond.toFixed(0)} ops/s = ` +
        `${(summary.opsPerSecond / baseline.opsPerSecond).toFixed(2)}x (rounds ${perRound.map((r) => r.toFixed(2)).join(", ")})`,
    );
  }
}
