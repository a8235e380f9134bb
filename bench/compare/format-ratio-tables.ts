import type { CaseMeasurement } from "./measure-case.js";
import { median, ratioOf, type CaseSummary, type Ratio } from "./summarize-measurements.js";
import type { GhzCase, GhzLoadRow } from "./run-ghz-loads.js";
import type { ComparePlan } from "./compare-plan.js";
import type { CompareCase } from "./compare-cases.js";

interface RatioInput {
  plan: ComparePlan;
  cases: readonly CompareCase[];
  summaries: Map<string, CaseSummary>;
  ghz: readonly GhzLoadRow[];
}

const x = (ratio: Ratio | undefined) =>
  ratio === undefined || !Number.isFinite(ratio.value)
    ? "–"
    : `${ratio.value.toFixed(2)}× (${ratio.range[0].toFixed(2)}–${ratio.range[1].toFixed(2)})`;
const rate = (m: CaseMeasurement) => m.loop.opsPerSecond;
const p50 = (m: CaseMeasurement) => m.loop.latency.p50Ms;
const p99 = (m: CaseMeasurement) => m.loop.latency.p99Ms;
const orZero = (value: number) => (Number.isFinite(value) ? value : 0);
/** CPU per operation of the stores every worker shares: PostgreSQL and Redis. */
const storeCpu = (cpu: CaseMeasurement["cpu"]) => orZero(cpu.postgres) + orZero(cpu.redis);
/** CPU per operation of every process involved (on this machine they share 2 cores). */
const totalCpu = (cpu: CaseMeasurement["cpu"]) => storeCpu(cpu) + orZero(cpu.bench) + orZero(cpu.checkpointd);

/** The target of the issue and whether the measured ratio meets it. */
export interface TargetCheck {
  name: string;
  ratio: Ratio | undefined;
  goal: string;
  met: boolean;
}

export function targetChecks(input: RatioInput): TargetCheck[] {
  const get = (id: string, c: number) => input.summaries.get(`${id}@${c}`);
  const faster = (group: string, c: number) => {
    const cp = get(`${group}/checkpointd`, c);
    const ps = get(`${group}/postgresSaver`, c);
    return cp && ps ? ratioOf(cp, ps, rate, cp.opsPerSecond / ps.opsPerSecond) : undefined;
  };
  const p50Over = (group: string, c: number) => {
    const cp = get(`${group}/checkpointd`, c);
    const ps = get(`${group}/postgresSaver`, c);
    return cp && ps ? ratioOf(cp, ps, p50, cp.p50Ms / ps.p50Ms) : undefined;
  };
  const overEcho = (id: string, c: number, floor = "floor/echo") => {
    const s = get(id, c);
    const echo = get(floor, c);
    return s && echo ? ratioOf(s, echo, p50, s.p50Ms / echo.p50Ms) : undefined;
  };
  const ghz = (name: GhzCase) =>
    input.ghz.filter((row) => row.case === name && row.concurrency === input.plan.ghz.concurrency).map((row) => row.result);
  const ghzHit = ghz("GetTuple latest (checkpointd, L1 hit)");
  const ghzEcho = ghz("GetTuple (bare echo stub)");
  const ghzRatios = ghzHit.map((hit, i) => hit.p50Ms / (ghzEcho[i]?.p50Ms ?? Number.NaN));
  const ghzRatio: Ratio | undefined =
    ghzHit.length === 0
      ? undefined
      : {
          value: median(ghzHit.map((r) => r.p50Ms)) / median(ghzEcho.map((r) => r.p50Ms)),
          range: [Math.min(...ghzRatios), Math.max(...ghzRatios)],
        };
  const checks: { name: string; ratio: Ratio | undefined; goal: string; atLeast: boolean; bound: number }[] = [
    {
      name: "GetTuple latest, c=64: ops/s checkpointd / PostgresSaver",
      ratio: faster("getLatest", 64),
      goal: "≥ 3×",
      atLeast: true,
      bound: 3,
    },
    { name: "Put, c=64: ops/s checkpointd / PostgresSaver", ratio: faster("put", 64), goal: "≥ 1.7×", atLeast: true, bound: 1.7 },
    ...(
      [
        ["put", "Put", 1.25],
        ["putWrites", "PutWrites", 1.25],
        ["getLatest", "GetTuple latest (L1 hit)", 1],
        ["getOlder", "GetTuple older id", 1.25],
      ] as const
    ).map(([group, name, bound]) => ({
      name: `${name}, c=1: p50 checkpointd / PostgresSaver`,
      ratio: p50Over(group, 1),
      goal: `≤ ${bound.toFixed(2)}×`,
      atLeast: false,
      bound,
    })),
    ...[1, 64].map((c) => ({
      name: `GetTuple L1 hit p50 / echo p50, c=${c}, same client (client.getTuple, no LangGraph decode)`,
      ratio: overEcho("getLatest/client", c),
      goal: "≤ 2×",
      atLeast: false,
      bound: 2,
    })),
    ...[1, 64].map((c) => ({
      name: `GetTuple L1 hit p50 / echo p50, c=${c}, CheckpointdSaver.getTuple (with LangGraph decode) over CheckpointdSaver on the echo`,
      ratio: overEcho("getLatest/checkpointd", c, "floor/saverEcho"),
      goal: "≤ 2×",
      atLeast: false,
      bound: 2,
    })),
    {
      name: `GetTuple L1 hit p50 / echo p50, ghz c=${input.plan.ghz.concurrency}`,
      ratio: ghzRatio,
      goal: "≤ 2×",
      atLeast: false,
      bound: 2,
    },
  ];
  return checks.map((c) => ({
    name: c.name,
    ratio: c.ratio,
    goal: c.goal,
    met: c.ratio !== undefined && (c.atLeast ? c.ratio.value >= c.bound : c.ratio.value <= c.bound),
  }));
}

/** Ratio tables: checkpointd / PostgresSaver per workload, checkpointd (and PostgresSaver) / floor, then the targets. */
export function formatRatioTables(input: RatioInput): string[] {
  const get = (id: string, c: number) => input.summaries.get(`${id}@${c}`);
  const groups = [...new Set(input.cases.filter((c) => c.group !== "floor").map((c) => c.group))];
  const label = (group: string) => input.cases.find((c) => c.group === group)?.workload ?? group;
  const lines = [
    "**Ratios checkpointd / PostgresSaver** (ratio of the medians; in brackets the range of the same ratio taken round by round). " +
      "ops/s: above 1 = checkpointd faster; latency and CPU: below 1 = checkpointd better. Store CPU = PostgreSQL + Redis per " +
      "operation (what every worker shares); total CPU = bench process + checkpointd + stores per operation.",
    "",
    "| workload | c | ops/s | p50 | p99 | store CPU/op | total CPU/op |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const c of input.plan.concurrencies) {
    for (const group of groups) {
      const cp = get(`${group}/checkpointd`, c);
      const ps = get(`${group}/postgresSaver`, c);
      if (!cp || !ps) continue;
      lines.push(
        `| ${label(group)} | ${c} | ${x(ratioOf(cp, ps, rate, cp.opsPerSecond / ps.opsPerSecond))} | ` +
          `${x(ratioOf(cp, ps, p50, cp.p50Ms / ps.p50Ms))} | ${x(ratioOf(cp, ps, p99, cp.p99Ms / ps.p99Ms))} | ` +
          `${x(ratioOf(cp, ps, (m) => storeCpu(m.cpu), storeCpu(cp.cpu) / storeCpu(ps.cpu)))} | ` +
          `${x(ratioOf(cp, ps, (m) => totalCpu(m.cpu), totalCpu(cp.cpu) / totalCpu(ps.cpu)))} |`,
      );
    }
  }
  lines.push(
    "",
    "**Against the floors** (p50 / floor p50): checkpointd's calls over the gRPC echo (same client, same connection setup, no storage); " +
      "PostgresSaver's over a pg `SELECT 1` on the same pool size.",
    "",
    "| workload | c | checkpointd / echo | PostgresSaver / SELECT 1 |",
    "| --- | ---: | ---: | ---: |",
  );
  for (const c of input.plan.concurrencies) {
    const echo = get("floor/echo", c);
    const one = get("floor/selectOne", c);
    for (const group of groups) {
      const cp = get(`${group}/checkpointd`, c);
      const ps = get(`${group}/postgresSaver`, c);
      const over = (s: CaseSummary | undefined, floor: CaseSummary | undefined) =>
        s && floor ? x(ratioOf(s, floor, p50, s.p50Ms / floor.p50Ms)) : "–";
      lines.push(`| ${label(group)} | ${c} | ${over(cp, echo)} | ${over(ps, one)} |`);
    }
  }
  lines.push("", "**Targets**", "", "| target | measured | goal | met |", "| --- | ---: | ---: | --- |");
  for (const check of targetChecks(input))
    lines.push(`| ${check.name} | ${x(check.ratio)} | ${check.goal} | ${check.met ? "yes" : "**no**"} |`);
  return lines;
}
