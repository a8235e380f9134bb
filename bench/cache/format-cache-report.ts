import { median, summarizeLoadRuns, type LoadSummary } from "../transport/summarize-load-runs.js";
import type { CacheLoadRun } from "./cache-load-run.js";
import { cacheScenarios, type CacheScenarioId } from "./cache-scenario.js";
import type { CpuProfileSummary } from "./summarize-cpu-profile.js";

export interface CacheReport {
  machine: { cores: number; memoryGiB: number; node: string; ghz: string; date: string; loadAverage: string };
  command: string;
  /** Encoded GetTupleResponse: the stub's canned one and the real server's for the hot thread. */
  echoResponseBytes: number;
  realResponseBytes: number;
  channelValueBytes: number;
  plan: readonly { concurrency: number; requests: number }[];
  rounds: number;
  runs: readonly CacheLoadRun[];
  /** Per scenario, when the servers ran under --cpu-prof. */
  profiles: ReadonlyMap<CacheScenarioId, CpuProfileSummary>;
}

/** The L1 p50 goal: within this factor of the bare echo. */
export const goalFactor = 2;

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : "–";
const title = (id: CacheScenarioId) => cacheScenarios.find((scenario) => scenario.id === id)?.title ?? id;
const escapeCell = (text: string) => text.replaceAll("|", "\\|");

/** The result as markdown: setup, one table with every (scenario, concurrency), ratios vs the echo and vs no cache, profiles. */
export function formatCacheReport(report: CacheReport): string {
  const { machine } = report;
  const order = (id: CacheScenarioId) => cacheScenarios.findIndex((scenario) => scenario.id === id);
  const summaries = summarizeLoadRuns(report.runs).sort((a, b) => a.concurrency - b.concurrency || order(a.library) - order(b.library));
  const runsOf = (row: LoadSummary<CacheScenarioId>) =>
    report.runs.filter((run) => run.library === row.library && run.result.concurrency === row.concurrency);
  const find = (id: CacheScenarioId, concurrency: number) => summaries.find((row) => row.library === id && row.concurrency === concurrency);

  const lines: string[] = [
    `- Machine: ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, Node ${machine.node}, ghz ${machine.ghz}; load average at the end ${machine.loadAverage}`,
    `- Date: ${machine.date}`,
    `- Command: \`${report.command}\``,
    `- Response: the real server's GetTupleResponse for the hot thread is ${report.realResponseBytes} bytes encoded, the stub's ${report.echoResponseBytes} bytes (both: 5 channel values with ${report.channelValueBytes} bytes of data, 3 pending writes)`,
    `- ${report.rounds} round(s); each scenario gets a freshly started server; before each measured run, a discarded warm-up run with the same concurrency and count. Runs: ${report.plan.map((step) => `c=${step.concurrency} × ${step.requests}`).join(", ")}; ghz: 1 HTTP/2 connection, \`--cpus 1\`.`,
    "",
    "| scenario | concurrency | requests | errors | req/s | p50 ms | p99 ms | server CPU µs/req | Redis + PostgreSQL CPU µs/req | L1 hits / misses / fills in the run |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const row of summaries) {
    const runs = runsOf(row);
    const store = median(runs.map((run) => run.storeCpuMicrosPerRequest));
    const counted = runs.map((run) => run.cache).filter((cache) => cache !== undefined);
    const cache =
      counted.length === 0
        ? "–"
        : `${counted.reduce((t, c) => t + c.hits, 0)} / ${counted.reduce((t, c) => t + c.misses, 0)} / ${counted.reduce((t, c) => t + c.fills, 0)}`;
    const range = row.rounds > 1 ? ` (${fixed(row.rpsMin, 0)}–${fixed(row.rpsMax, 0)})` : "";
    const cut = row.cutShort ? " (time cap hit)" : "";
    lines.push(
      `| ${escapeCell(title(row.library))} | ${row.concurrency} | ${row.requests}${cut} | ${row.errors} | ${fixed(row.rps, 0)}${range} | ${fixed(row.p50Ms, 2)} | ${fixed(row.p99Ms, 2)} | ${fixed(row.serverCpuMicrosPerRequest, 0)} | ${row.library === "echo" ? "–" : fixed(store, 0)} | ${cache} |`,
    );
  }
  if (report.rounds > 1)
    lines.push("", "Figures are medians over rounds (req/s: slowest–fastest round); requests, errors and L1 counters are totals.");

  lines.push(
    "",
    `Ratios (latency and CPU: lower is better; req/s: higher is better). Goal: L1 hit p50 within ${goalFactor}× the bare echo's.`,
    "",
    "| scenario | concurrency | p50 vs echo | p99 vs echo | req/s vs echo | server CPU/req vs echo | p50 vs no cache | req/s vs no cache |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const row of summaries) {
    if (row.library === "echo") continue;
    const echo = find("echo", row.concurrency);
    const none = find("no-cache", row.concurrency);
    const goal =
      row.library.startsWith("hit-") && echo !== undefined
        ? row.p50Ms / echo.p50Ms <= goalFactor
          ? " (goal met)"
          : " (**goal missed**)"
        : "";
    lines.push(
      `| ${escapeCell(title(row.library))} | ${row.concurrency} | ${ratio(row.p50Ms, echo?.p50Ms)}${goal} | ${ratio(row.p99Ms, echo?.p99Ms)} | ${ratio(row.rps, echo?.rps)} | ${ratio(row.serverCpuMicrosPerRequest, echo?.serverCpuMicrosPerRequest)} | ${row.library === "no-cache" ? "–" : ratio(row.p50Ms, none?.p50Ms)} | ${row.library === "no-cache" ? "–" : ratio(row.rps, none?.rps)} |`,
    );
  }

  for (const [id, profile] of report.profiles) {
    lines.push(
      "",
      `CPU profile, ${title(id)} (server process, all runs incl. warm-ups and startup; ${fixed(profile.busyMs, 0)} ms busy). Self time by package:`,
      "",
      profile.byPackage
        .filter((entry) => entry.percent >= 0.5)
        .map((entry) => `${escapeCell(entry.name)} ${fixed(entry.percent, 1)} %`)
        .join(", "),
      "",
      "| top self-time functions | ms | % of busy |",
      "| --- | ---: | ---: |",
      ...profile.top.map((entry) => `| \`${escapeCell(entry.name)}\` | ${fixed(entry.selfMs, 0)} | ${fixed(entry.percent, 1)} |`),
    );
  }
  return lines.join("\n");
}
