import type { CompareCase } from "./compare-cases.js";
import type { ComparePlan } from "./compare-plan.js";
import { formatRatioTables } from "./format-ratio-tables.js";
import { formatStorageGrowth } from "./format-storage-growth.js";
import type { StorageGrowth } from "./measure-storage-growth.js";
import type { GhzLoadRow } from "./run-ghz-loads.js";
import { median, type CaseSummary } from "./summarize-measurements.js";
import type { CpuProfileSummary } from "../cache/summarize-cpu-profile.js";
import { formatGraphStorage, formatGraphTable } from "../graph/format-graph-report.js";
import type { GraphMeasurement } from "../graph/graph-measurement.js";
import type { GraphStorage } from "../graph/measure-graph-storage.js";
import type { PostgresDurability } from "./set-postgres-durability.js";

/** Everything measured under one PostgreSQL configuration. */
export interface DurabilitySection {
  durability: PostgresDurability;
  summaries: Map<string, CaseSummary>;
  ghz: readonly GhzLoadRow[];
  graph: readonly GraphMeasurement[];
}

export interface CompareReport {
  machine: {
    cores: number;
    memoryGiB: number;
    node: string;
    postgres: string;
    redis: string;
    ghz: string;
    /** `date -u` when the run finished. */
    date: string;
    /** 1-minute load average sampled before every round and at the end. */
    loadAverages: number[];
  };
  command: string;
  /**
   * CPU affinity of each process (`Cpus_allowed_list` over all its threads, from
   * /proc), read after the rounds; `pinned` when the run had `--pin`.
   */
  affinity: { pinned: boolean; processes: { name: string; cpus: string }[] };
  durationSeconds: number;
  plan: ComparePlan;
  checkpointdPoolSize: number;
  data: { channelBytes: Record<string, number>; writesBytes: number; tupleBytes: number };
  cases: readonly CompareCase[];
  sections: readonly DurabilitySection[];
  graphStorage: GraphStorage | undefined;
  growth: { checkpointd: StorageGrowth; postgresSaver: StorageGrowth };
  profiles: Map<string, CpuProfileSummary>;
}

export const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "–");
const micros = (value: number) => (Number.isFinite(value) && value > 0 ? value.toFixed(0) : "–");

type SectionView = CompareReport & { summaries: Map<string, CaseSummary>; ghz: readonly GhzLoadRow[] };

function mainTable(report: SectionView): string[] {
  const lines = [
    "| workload | saver / floor | c | ops | errors | ops/s | ops/s range | p50 ms | p99 ms | CPU µs/op: bench process | checkpointd | PostgreSQL | Redis | L1 hits / misses / fills |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const concurrency of report.plan.concurrencies) {
    for (const c of report.cases) {
      const s = report.summaries.get(`${c.id}@${concurrency}`);
      if (s === undefined) continue;
      const cache = s.cache === undefined ? "–" : `${s.cache.hits} / ${s.cache.misses} / ${s.cache.fills}`;
      lines.push(
        `| ${c.workload} | ${c.subject} | ${concurrency} | ${s.ops} | ${s.errors} | ${s.opsPerSecond.toFixed(0)} | ` +
          `${s.opsPerSecondRange[0].toFixed(0)}–${s.opsPerSecondRange[1].toFixed(0)} | ${fixed(s.p50Ms)} | ${fixed(s.p99Ms)} | ` +
          `${micros(s.cpu.bench)} | ${micros(s.cpu.checkpointd)} | ${micros(s.cpu.postgres)} | ${micros(s.cpu.redis)} | ${cache} |`,
      );
    }
  }
  return lines;
}

function ghzTable(report: SectionView): string[] {
  const cases = [...new Set(report.ghz.map((row) => row.case))];
  const lines = [
    `ghz (its own process, \`--cpus 1\`, one HTTP/2 connection, checkpointd's schema by server reflection, the stub's from the protos), ` +
      `c=${report.plan.ghz.concurrency} and c=1 (the floor without a Node client: the echo is the bare gRPC stack), medians over ${report.plan.rounds} round(s):`,
    "",
    "| call | c | requests | errors | req/s | p50 ms | p99 ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const [name, c] of [report.plan.ghz.concurrency, 1].flatMap((c) => cases.map((name) => [name, c] as const))) {
    const rows = report.ghz.filter((row) => row.case === name && row.concurrency === c).map((row) => row.result);
    if (rows.length === 0) continue;
    lines.push(
      `| ${name} | ${c} | ${rows.reduce((t, r) => t + r.count, 0)} | ${rows.reduce((t, r) => t + r.errors, 0)} | ` +
        `${median(rows.map((r) => r.rps)).toFixed(0)} | ${fixed(median(rows.map((r) => r.p50Ms)))} | ${fixed(median(rows.map((r) => r.p99Ms)))} |`,
    );
  }
  return lines;
}

export function profileLines(profiles: CompareReport["profiles"]): string[] {
  const lines: string[] = [];
  for (const [name, profile] of profiles) {
    lines.push(`**CPU profile: ${name}** (${profile.busyMs.toFixed(0)} ms busy; self time by package, then the top functions):`, "");
    lines.push(
      `- ${profile.byPackage
        .slice(0, 10)
        .map((e) => `${e.name} ${e.percent.toFixed(1)} %`)
        .join(", ")}`,
    );
    for (const entry of profile.top) lines.push(`  - ${entry.percent.toFixed(1)} % ${entry.name.replaceAll("|", "\\|")}`);
    lines.push("");
  }
  return lines;
}

/** The generated part of the "Checkpointd vs PostgresSaver" section of RESULTS.md. */
export function formatCompareReport(report: CompareReport): string {
  const { machine, plan } = report;
  const loads = machine.loadAverages;
  const channelBytes = Object.entries(report.data.channelBytes)
    .map(([channel, bytes]) => `${channel} ${bytes}`)
    .join(", ");
  const totalChannelBytes = Object.values(report.data.channelBytes).reduce((t, b) => t + b, 0);
  const bounds1 = plan.bounds(1);
  const bounds64 = plan.bounds(64);
  const durabilityName = (d: PostgresDurability) =>
    d === "durable"
      ? "### PostgreSQL durable (its defaults: `fsync=on`, `synchronous_commit=on`, `full_page_writes=on`): the headline"
      : "### PostgreSQL `fsync=off`, `synchronous_commit=off`, `full_page_writes=off`: the CPU-bound view";
  const sectionLines = report.sections.flatMap((section) => {
    const view: SectionView = { ...report, summaries: section.summaries, ghz: section.ghz };
    return [
      durabilityName(section.durability),
      "",
      ...(section.graph.length === 0 ? [] : ["**A real LangGraph graph, end to end**", "", ...formatGraphTable(section.graph), ""]),
      ...(section.summaries.size === 0 ? [] : ["**Per call**", "", ...mainTable(view), "", ...formatRatioTables(view), ""]),
      ...(section.ghz.length === 0 ? [] : [...ghzTable(view), ""]),
    ];
  });
  return [
    `**Machine**: ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, Node ${machine.node}, PostgreSQL ${machine.postgres} (throwaway ` +
      `cluster on loopback, switched between durable and \`fsync=off\` with ALTER SYSTEM + pg_reload_conf, one section each), redis-server ${machine.redis}, ghz ${machine.ghz}. ` +
      `Run finished ${machine.date} (\`date -u\`) and took ${Math.round(report.durationSeconds / 60)} min. 1-minute load average ` +
      `${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} (sampled before each round and at the end: ` +
      `${loads.map((l) => l.toFixed(2)).join(", ")}); the machine is shared with other sessions.`,
    "",
    `**Reproduce**: \`${report.command}\``,
    "",
    `**Setup**: one PostgreSQL, one redis-server, one \`checkpointd serve\` (PostgreSQL + Redis L1, pool ${report.checkpointdPoolSize} ` +
      `connections: the server's fixed default) and the bare grpc-js echo stub, all on 127.0.0.1. PostgresSaver ` +
      `(\`@langchain/langgraph-checkpoint-postgres\` 1.0.5, \`setup()\` called) runs in the bench process on a \`pg.Pool\` of ` +
      `${plan.saverPoolSize} in its own database on the same server; CheckpointdSaver (\`CheckpointdSaver.fromUrl\`) runs in the bench ` +
      `process too and calls checkpointd over one HTTP/2 connection, batching as its client does by default (the Put, PutWrites and ` +
      `GetTuple calls of one event-loop turn go as one \`Batch\` request of at most 32 calls; a lone call goes as itself). ` +
      `Both get the same LangGraph calls with the same data: 5 channels, ` +
      `serialized ${totalChannelBytes} B (${channelBytes}), one channel changed a step; PutWrites carries 3 writes (${report.data.writesBytes} B); ` +
      `the reads go to a 100-checkpoint history (each checkpoint with 3 pending writes; checkpointd's encoded tuple ${report.data.tupleBytes} B), ` +
      `older-id reads each to a (thread, id) never read before (SQL copies of the history). Put and PutWrites give each worker its own thread. ` +
      `Before the first round each saver runs, at c=${plan.warmUp.concurrencies.join(" and c=")}, at most ${plan.warmUp.maxSteps} conversation steps ` +
      `or ${plan.warmUp.maxMs / 1000} s (a put, its writes, a latest read and a read by id each), so the cases meet a server that has been in ` +
      `service a while, not one V8 has not optimised yet. ` +
      `Concurrency c = async operations in flight from one Node process. Each loop: a discarded warm-up, then at most ` +
      `${bounds1.maxOps} operations or ${bounds1.maxMs / 1000} s at c=1, ${bounds64.maxOps} or ${bounds64.maxMs / 1000} s at c=64 ` +
      `(older-id reads: ${plan.missMaxOps(1)} / ${plan.missMaxOps(64)}). ${plan.rounds} round(s), each case order rotated per round; ` +
      `figures are medians over the rounds, ops and errors totals. CPU per op: this process (load generator plus the saver in it), ` +
      `checkpointd, PostgreSQL (postmaster and children) and redis-server, from process.cpuUsage and /proc (10 ms ticks). ` +
      (report.affinity.pinned
        ? `**Pinned** (\`--pin\`, the worker on a machine of its own): the bench process (load generator and both savers) on CPU 0 only, ` +
          `every service it starts (PostgreSQL's postmaster and so all its backends, redis-server, checkpointd, the echo stub, ghz) on ` +
          `CPU 1 only, with \`taskset\`. `
        : "Not pinned: every process may run on any core. ") +
      `CPU affinity, \`Cpus_allowed_list\` of every thread from /proc after the rounds: ` +
      `${report.affinity.processes.map((p) => `${p.name} ${p.cpus}`).join("; ")}.`,
    "",
    `**Graph**: a StateGraph of 3 nodes (planner → agent → tools) over 5 channels (messages, context, plan, scratchpad, route; ` +
      "the messages grow by a human and an AI message each turn), one `invoke` (JS) / `ainvoke` (Python) per turn, each worker on a " +
      "thread of its own, 1 and 16 workers; JS: PostgresSaver (the pool above) vs CheckpointdSaver in the bench process; Python " +
      "(bench/graph/python_graph_bench.py, the repository's .venv): AsyncPostgresSaver on a psycopg AsyncConnectionPool " +
      "(size max(2, threads)) in a database of its own vs checkpointd's async CheckpointdSaver. Savers alternate per round. RPCs / invoke " +
      "are counted by a client interceptor (a Batch is one). Worker CPU = the process running the graph.",
    "",
    ...sectionLines,
    ...(report.graphStorage === undefined ? [] : [...formatGraphStorage(report.graphStorage), ""]),
    ...formatStorageGrowth(report.growth),
    "",
    ...profileLines(report.profiles),
  ].join("\n");
}
