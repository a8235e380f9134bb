import { median } from "../compare/summarize-measurements.js";
import type { GraphMeasurement } from "./graph-measurement.js";
import type { GraphStorage } from "./measure-graph-storage.js";
import { graphThreads } from "./run-graph-round.js";

const num = (value: number | undefined, digits = 0) => (value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : "–");
const languageName = { js: "JS (`@langchain/langgraph`, in the bench process)", python: "Python (`langgraph`, a subprocess)" } as const;
const saverName = {
  js: { postgresSaver: "PostgresSaver", checkpointd: "CheckpointdSaver" },
  python: { postgresSaver: "AsyncPostgresSaver", checkpointd: "CheckpointdSaver (async)" },
} as const;

/** checkpointd's invokes/s over the saver's it replaces: median of the per-round ratios, and their range. */
export function graphRatio(ms: readonly GraphMeasurement[], language: "js" | "python", threads: number) {
  const perRound: number[] = [];
  for (const cp of ms.filter((m) => m.language === language && m.threads === threads && m.saver === "checkpointd")) {
    const ps = ms.find((m) => m.language === language && m.threads === threads && m.saver === "postgresSaver" && m.round === cp.round);
    if (ps !== undefined) perRound.push(cp.invokesPerSecond / ps.invokesPerSecond);
  }
  return { value: median(perRound), range: [Math.min(...perRound), Math.max(...perRound)] as const };
}

/** The graph table and ratios of one PostgreSQL configuration. */
export function formatGraphTable(ms: readonly GraphMeasurement[]): string[] {
  const lines = [
    "| graph | saver | threads | invokes | errors | invokes/s | p50 ms | p99 ms | RPCs / invoke | CPU µs/invoke: worker | checkpointd | PostgreSQL | Redis |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const threads of graphThreads) {
    for (const language of ["js", "python"] as const) {
      for (const saver of ["postgresSaver", "checkpointd"] as const) {
        const runs = ms.filter((m) => m.language === language && m.threads === threads && m.saver === saver);
        if (runs.length === 0) continue;
        const med = (f: (m: GraphMeasurement) => number) => median(runs.map(f));
        lines.push(
          `| ${languageName[language]} | ${saverName[language][saver]} | ${threads} | ${runs.reduce((t, m) => t + m.invokes, 0)} | ` +
            `${runs.reduce((t, m) => t + m.errors, 0)} | ${num(
              med((m) => m.invokesPerSecond),
              1,
            )} | ${num(
              med((m) => m.p50Ms),
              2,
            )} | ` +
            `${num(
              med((m) => m.p99Ms),
              2,
            )} | ${
              saver === "checkpointd"
                ? num(
                    med((m) => m.rpcsPerInvoke ?? Number.NaN),
                    1,
                  )
                : "–"
            } | ` +
            `${num(med((m) => m.cpu.worker))} | ${num(med((m) => m.cpu.checkpointd))} | ${num(med((m) => m.cpu.postgres))} | ${num(med((m) => m.cpu.redis))} |`,
        );
      }
    }
  }
  lines.push("", "checkpointd's invokes/s over the saver it replaces (median of per-round ratios, range):", "");
  const goals: Record<string, string> = { "python@1": "≥ 0.8×", "python@16": "≥ 1.3×", "js@1": "≥ 0.9×", "js@16": "≥ 1.5×" };
  for (const language of ["python", "js"] as const) {
    for (const threads of graphThreads) {
      const r = graphRatio(ms, language, threads);
      const goal = goals[`${language}@${threads}`] ?? "";
      const met = Number.isFinite(r.value) && r.value >= Number(goal.replace(/[^0-9.]/g, ""));
      lines.push(
        `- ${language === "js" ? "JS" : "Python"} graph, ${threads} thread(s): **${num(r.value, 2)}×** (${num(r.range[0], 2)}–${num(r.range[1], 2)}), target ${goal}: ${met ? "met" : "not met"}`,
      );
    }
  }
  return lines;
}

const kib = (bytes: number) => (bytes / 1024).toFixed(0);

/** The storage table of the 300-turn Python graph. */
export function formatGraphStorage(storage: GraphStorage): string[] {
  const lines = [
    `**Storage after the Python graph**: ${storage.turns} turns on each of ${storage.threads} threads through each saver, into a fresh ` +
      "database of its own (checkpointd: a fresh `checkpointd serve --cache off`; AsyncPostgresSaver: `setup()`), then `VACUUM` and " +
      "`pg_total_relation_size` (heap + TOAST + indexes) of every user table in any schema (checkpointd's event log included).",
    "",
    "| saver | invokes | table | rows | total KiB | heap KiB | TOAST KiB | indexes KiB |",
    "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const [name, s] of [
    ["checkpointd", storage.checkpointd],
    ["AsyncPostgresSaver", storage.postgresSaver],
  ] as const) {
    lines.push(`| ${name} | ${s.invokes} | **all tables** | | **${kib(s.totalBytes)}** | | | |`);
    for (const t of s.tables) {
      lines.push(
        `| | | ${t.table} | ${t.rows} | ${kib(t.totalBytes)} | ${kib(t.heapBytes)} | ${kib(t.toastBytes)} | ${kib(t.indexBytes)} |`,
      );
    }
  }
  const ratio = storage.checkpointd.totalBytes / storage.postgresSaver.totalBytes;
  lines.push(
    "",
    `Ratio checkpointd / AsyncPostgresSaver: **${ratio.toFixed(2)}×** the bytes (target ≤ 1.0×: ${ratio <= 1 ? "met" : "not met"}).`,
  );
  return lines;
}
