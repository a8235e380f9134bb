/**
 * checkpointd vs PostgresSaver, side by side in one run (issue 8): Put,
 * PutWrites, GetTuple latest (L1 hit) and by an older id (L1 miss), List of a
 * 100-checkpoint history, each at concurrency 1 and 64, through
 * `PostgresSaver` in-process and through `CheckpointdSaver` over gRPC; the
 * floors under them (gRPC echo, Redis GET, SELECT 1); ghz against the server;
 * and the storage a 1,000-step conversation takes. Starts its own PostgreSQL,
 * redis-server, checkpointd and echo stub on 127.0.0.1 and stops them at the
 * end. Progress on stderr, the report on stdout and in bench/RESULTS.md.
 *
 *   pnpm bench [--rounds N] [--quick] [--cpu-prof] [--no-write] [--pool N] [--pin] [--pg durable|fast|both] [--python PATH]
 *   pnpm bench --only put[,floor,graph,...] [--concurrency 64]
 *   pnpm bench --soak MINUTES [--no-write]   (soak/run-soak.ts)
 *
 * --pg: PostgreSQL durable (its defaults), fsync=off, or both (default): each
 * round runs everything under each, switched with ALTER SYSTEM; one report
 * section each. The graph bench (graph/) runs a real LangGraph graph in JS and
 * in Python (--python, default the repository's .venv, set up by
 * graph/bench-venv.sh) through both savers.
 *
 * --quick: a fifth of every bound, one round, 100 growth steps, RESULTS.md
 * untouched. --cpu-prof: profile checkpointd and this process (the figures
 * of such a run are a profile, not a measurement). --pool: PostgresSaver's
 * pg pool size (default 64). --pin: the worker on a machine of its own: this
 * process pins itself to CPU 0 and every service it starts to CPU 1
 * (`taskset`), and the report goes to its own RESULTS.md section.
 * --only / --concurrency: a probe: only those workload groups (put,
 * putWrites, getLatest, getOlder, list, floor) or cases (put/checkpointd) at
 * those concurrencies, no ghz and no storage growth, a line per case and
 * per-round ratios on stderr, RESULTS.md untouched.
 */
import { spawnSync } from "node:child_process";
import { countRpcs } from "../graph/count-rpcs.js";
import { formatGraphTable } from "../graph/format-graph-report.js";
import type { GraphMeasurement } from "../graph/graph-measurement.js";
import { measureGraphStorage, type GraphStorage } from "../graph/measure-graph-storage.js";
import { runGraphRound, type GraphTargets } from "../graph/run-graph-round.js";
import type { DurabilitySection } from "./format-compare-report.js";
import { durabilities, setPostgresDurability, type PostgresDurability } from "./set-postgres-durability.js";
import { mkdirSync, mkdtempSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import { CheckpointdSaver } from "@checkpointd/langgraph";
import { createDatabase } from "@checkpointd/test-support";
import { warmUpSavers } from "./warm-up-savers.js";
import { summarizeCpuProfile, type CpuProfileSummary } from "../cache/summarize-cpu-profile.js";
import { compareCases, roundOrder } from "./compare-cases.js";
import { comparePlan } from "./compare-plan.js";
import { benchChannels, channelValue, taskWrites } from "./conversation-state.js";
import { startFloors } from "./floor-operations.js";
import { formatCompareReport, profileLines } from "./format-compare-report.js";
import { measureCase, type CaseMeasurement } from "./measure-case.js";
import { measureStorageGrowth } from "./measure-storage-growth.js";
import { benchCpu, checkPinnable, cpusAllowed, pinGhz, pinProcess, serviceCpu, treeCpusAllowed } from "./pin-processes.js";
import { createPostgresSaver, prepareSavers } from "./prepare-savers.js";
import { readVersions } from "./read-versions.js";
import { runGhzLoads, type GhzLoadRow } from "./run-ghz-loads.js";
import { saverWorkloads } from "./saver-workloads.js";
import { startCompareServices } from "./start-compare-services.js";
import { startProcessProfile } from "./start-process-profile.js";
import { logProbeRatios } from "./log-probe-ratios.js";
import { summarizeAll } from "./summarize-measurements.js";
import { compareSection, pinnedCompareSection, writeResultsSection } from "./write-results-section.js";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string" },
    quick: { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
    pool: { type: "string", default: "64" },
    pin: { type: "boolean", default: false },
    only: { type: "string" },
    concurrency: { type: "string" },
    pg: { type: "string", default: "both" },
    python: { type: "string" },
    soak: { type: "string" },
  },
});
if (args.soak !== undefined) {
  // `--soak MINUTES`: the long mixed-load run of soak/run-soak.ts instead of the comparison.
  const { runSoak } = await import("../soak/run-soak.js");
  await runSoak(Number(args.soak), !args["no-write"]);
  process.exit(0);
}
const pgModes = durabilities(args.pg);
const probe = args.only !== undefined || args.concurrency !== undefined;
const onlyGroups = args.only === undefined ? undefined : new Set(args.only.split(","));
const rounds = Number(args.rounds ?? (args.quick ? 1 : 3));
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9) throw new Error(`--rounds must be an integer from 1 to 9, not ${args.rounds}`);
const plan = comparePlan({
  rounds,
  quick: args.quick,
  saverPoolSize: Number(args.pool),
  ...(args.concurrency === undefined ? {} : { concurrencies: args.concurrency.split(",").map(Number) }),
});
/** checkpointd's pg pool: `max: options.poolSize ?? 10` in packages/server/src/storage/connect-database.ts, not configurable from the CLI. */
const checkpointdPoolSize = 10;

const began = performance.now();
const log = (message: string) => console.error(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${message}`);
process.once("SIGINT", () => process.exit(130));
process.once("SIGTERM", () => process.exit(143));
// Whatever happens, the run ends (exit handlers kill the servers).
setTimeout(() => {
  log("giving up after 90 minutes");
  process.exit(1);
}, 90 * 60_000).unref();

// --pin: this process and every thread it has (and will have: new threads and
// children inherit it) on benchCpu, before anything starts; each service is
// moved to serviceCpu as soon as it is up (startCompareServices, pinGhz).
if (args.pin) {
  checkPinnable();
  pinProcess(process.pid, benchCpu);
}

const profileRoot = args["cpu-prof"] ? mkdtempSync(join(os.tmpdir(), "checkpointd-compare-prof-")) : undefined;
const serverEnv: Record<string, string> = {};
if (profileRoot !== undefined) {
  mkdirSync(join(profileRoot, "checkpointd"));
  mkdirSync(join(profileRoot, "bench"));
  serverEnv["NODE_OPTIONS"] = `--import=${import.meta.resolve("tsx")} --import=${import.meta.resolve("../cache/cpu-profile-preload.ts")}`;
  serverEnv["CHECKPOINTD_CPU_PROFILE_DIR"] = join(profileRoot, "checkpointd");
}

const loadAverages: number[] = [];
const collected = new Map<PostgresDurability, { measurements: CaseMeasurement[]; ghz: GhzLoadRow[]; graph: GraphMeasurement[] }>(
  pgModes.map((d) => [d, { measurements: [], ghz: [], graph: [] }]),
);
const measurements = (d: PostgresDurability) => collected.get(d)?.measurements ?? [];
const runGraph = onlyGroups === undefined || onlyGroups.has("graph");
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
let python = args.python;
if (runGraph && python === undefined) {
  const venv = spawnSync("bash", [join(repoRoot, "bench/graph/bench-venv.sh")], { stdio: ["ignore", "inherit", "inherit"] });
  if (venv.status !== 0) throw new Error("bench/graph/bench-venv.sh failed");
  python = join(repoRoot, ".venv/bin/python");
}
const services = await startCompareServices({ serverEnv, log, ...(args.pin ? { pinCpu: serviceCpu } : {}) });
let report: Omit<Parameters<typeof formatCompareReport>[0], "profiles" | "durationSeconds" | "machine"> | undefined;
let versions: Awaited<ReturnType<typeof readVersions>> | undefined;
try {
  versions = await readVersions(services);
  const ghzCpusAllowed = args.pin ? pinGhz(serviceCpu) : undefined;
  // Every (round, PostgreSQL configuration) is a slot of its own: its own never-read threads, its own ghz threads.
  const slot = (round: number, d: PostgresDurability) => (round - 1) * pgModes.length + pgModes.indexOf(d) + 1;
  const savers = await prepareSavers(services, { ...plan, rounds: plan.rounds * pgModes.length }, log);
  const graphRpcs = countRpcs();
  const graphCheckpointd = CheckpointdSaver.fromUrl(`127.0.0.1:${services.checkpointd.port}`, { interceptors: [graphRpcs.interceptor] });
  const graphTargets: GraphTargets = {
    python: python ?? "python3",
    js: { postgresSaver: savers.postgresSaver, checkpointd: graphCheckpointd, checkpointdRpcs: graphRpcs.count },
    pythonPostgresUrl: await createDatabase(services.postgres.url, "python_postgres_saver"),
    checkpointdAddress: `127.0.0.1:${services.checkpointd.port}`,
    serviceCpu: services.cpuMicros,
  };
  let graphStorage: GraphStorage | undefined;
  const floors = await startFloors({
    checkpointdClient: savers.checkpointdSaver.client,
    historyThreadId: savers.history.threadId,
    echoPort: services.echo.port,
    redisUrl: services.redis.url,
    databaseUrl: services.saverDatabaseUrl,
    poolSize: plan.saverPoolSize,
  });
  try {
    const cases = compareCases({
      postgresSaver: saverWorkloads(savers.postgresSaver, savers.history),
      checkpointd: saverWorkloads(savers.checkpointdSaver, savers.history),
      floors,
      saverPoolSize: plan.saverPoolSize,
    }).filter((c) => onlyGroups === undefined || onlyGroups.has(c.group) || onlyGroups.has(c.id));
    if (cases.length === 0 && !runGraph) throw new Error(`--only ${args.only} names no workload group`);
    await warmUpSavers(
      [
        { name: "CheckpointdSaver", saver: savers.checkpointdSaver },
        { name: "PostgresSaver", saver: savers.postgresSaver },
      ],
      plan.warmUp,
      log,
    );
    const profile = profileRoot === undefined ? undefined : startProcessProfile(join(profileRoot, "bench"));
    for (let round = 1; round <= plan.rounds; round++) {
      loadAverages.push(os.loadavg()[0] ?? Number.NaN);
      for (const d of round % 2 === 1 ? pgModes : [...pgModes].reverse()) {
        await setPostgresDurability(services.postgres.url, d);
        log(`[round ${round}] PostgreSQL ${d}`);
        const into = collected.get(d);
        if (into === undefined) throw new Error(`no results for ${d}`);
        for (const concurrency of plan.concurrencies) {
          for (const group of roundOrder(cases, round)) {
            for (const c of group) into.measurements.push(await measureCase(c, slot(round, d), concurrency, plan, services, log));
          }
        }
        if (runGraph) into.graph.push(...(await runGraphRound(graphTargets, round, `${d}${round}`, args.quick, log)));
        if (probe) continue;
        const putRequest = savers.capturedPut.last();
        if (putRequest === undefined) throw new Error("CheckpointdSaver sent no Put to replay");
        into.ghz.push(
          ...(await runGhzLoads({
            round: slot(round, d),
            checkpointdPort: services.checkpointd.port,
            echoPort: services.echo.port,
            historyThreadId: savers.history.threadId,
            putRequest,
            ...plan.ghz,
            log,
          })),
        );
      }
    }
    profile?.stop();
    loadAverages.push(os.loadavg()[0] ?? Number.NaN);
    if (!probe) {
      // Read while the pools' connections (PostgreSQL backends) are still open.
      const postgresTree = treeCpusAllowed(services.pids.postgres);
      const affinityProcesses = [
        { name: "bench process", cpus: cpusAllowed(process.pid).join(" / ") },
        { name: `PostgreSQL (postmaster and its ${postgresTree.processes - 1} children)`, cpus: postgresTree.cpus.join(" / ") },
        { name: "redis-server", cpus: cpusAllowed(services.pids.redis).join(" / ") },
        { name: "checkpointd", cpus: cpusAllowed(services.pids.checkpointd).join(" / ") },
        { name: "echo stub", cpus: cpusAllowed(services.pids.echo).join(" / ") },
        ...(ghzCpusAllowed === undefined ? [] : [{ name: "ghz (as it started)", cpus: ghzCpusAllowed() }]),
      ];
      log(`CPU affinity: ${affinityProcesses.map((p) => `${p.name} ${p.cpus}`).join("; ")}`);

      log(`storage growth: a ${plan.growthSteps}-step conversation through each saver`);
      const growthCheckpointdUrl = await createDatabase(services.postgres.url, "growth_checkpointd");
      const growthServer = await services.spawnExtraCheckpointd(growthCheckpointdUrl);
      const growthCheckpointd = CheckpointdSaver.fromUrl(`127.0.0.1:${growthServer.port}`);
      const growthSaverUrl = await createDatabase(services.postgres.url, "growth_postgres_saver");
      const growthPostgresSaver = await createPostgresSaver(growthSaverUrl, plan.saverPoolSize);
      const growth = {
        checkpointd: await measureStorageGrowth(growthCheckpointd, growthCheckpointdUrl, plan.growthSteps),
        postgresSaver: await measureStorageGrowth(growthPostgresSaver, growthSaverUrl, plan.growthSteps),
      };
      await growthCheckpointd.close();
      await growthPostgresSaver.end();
      log(`storage growth: checkpointd ${growth.checkpointd.bytes} B, PostgresSaver ${growth.postgresSaver.bytes} B`);

      const turns = args.quick ? 30 : 300;
      log(`graph storage: the Python graph, ${turns} turns on each of 2 threads, through each saver`);
      const storageCheckpointdUrl = await createDatabase(services.postgres.url, "graph_storage_checkpointd");
      const storageServer = await services.spawnExtraCheckpointd(storageCheckpointdUrl);
      graphStorage = await measureGraphStorage({
        python: graphTargets.python,
        turns,
        threads: 2,
        checkpointdAddress: `127.0.0.1:${storageServer.port}`,
        checkpointdDatabaseUrl: storageCheckpointdUrl,
        postgresSaverDatabaseUrl: await createDatabase(services.postgres.url, "graph_storage_postgres_saver"),
        serviceCpu: services.cpuMicros,
      });
      log(
        `graph storage: checkpointd ${graphStorage.checkpointd.totalBytes} B, AsyncPostgresSaver ${graphStorage.postgresSaver.totalBytes} B`,
      );

      const serde = new JsonPlusSerializer();
      const size = async (value: unknown) => (await serde.dumpsTyped(value))[1].byteLength;
      const channelBytes: Record<string, number> = {};
      for (const channel of benchChannels) channelBytes[channel] = await size(channelValue(channel, 0));
      const writes = await Promise.all(taskWrites(0).map(([, value]) => size(value)));
      report = {
        command: `pnpm install && pnpm run build && pnpm bench${rounds !== 3 ? ` --rounds ${rounds}` : ""}${args.quick ? " --quick" : ""}${args.pin ? " --pin" : ""}${args.pg !== "both" ? ` --pg ${args.pg}` : ""}`,
        affinity: { pinned: args.pin, processes: affinityProcesses },
        plan,
        checkpointdPoolSize,
        data: { channelBytes, writesBytes: writes.reduce((t, b) => t + b, 0), tupleBytes: floors.redisValueBytes },
        cases,
        sections: pgModes.map((d): DurabilitySection => ({
          durability: d,
          summaries: summarizeAll(measurements(d)),
          ghz: collected.get(d)?.ghz ?? [],
          graph: collected.get(d)?.graph ?? [],
        })),
        graphStorage,
        growth,
      };
    }
  } finally {
    await floors.close();
    await graphCheckpointd.close();
    await savers.close();
  }
} finally {
  await services.stop();
}

// Profiles are written when the processes exit: checkpointd has by now.
const profiles = new Map<string, CpuProfileSummary>();
if (profileRoot !== undefined) {
  profiles.set("checkpointd (whole life)", summarizeCpuProfile(join(profileRoot, "checkpointd"), 15));
  profiles.set("bench process (rounds only: load generator, both savers, floors)", summarizeCpuProfile(join(profileRoot, "bench"), 15));
  log(`CPU profiles: ${profileRoot}`);
}
if (probe) {
  for (const d of pgModes) {
    log(`PostgreSQL ${d}:`);
    logProbeRatios(summarizeAll(measurements(d)), log);
    const graph = collected.get(d)?.graph ?? [];
    if (graph.length > 0) console.log([`PostgreSQL ${d}, graph:`, "", ...formatGraphTable(graph), ""].join("\n"));
  }
  console.log(profileLines(profiles).join("\n"));
  process.exit(0);
}
loadAverages.push(os.loadavg()[0] ?? Number.NaN);
if (report === undefined || versions === undefined) throw new Error("the run ended without a report");
const markdown = formatCompareReport({
  ...report,
  machine: {
    ...versions,
    date: spawnSync("date", ["-u"], { encoding: "utf8" }).stdout.trim(),
    // os.cpus(), not os.availableParallelism(): the latter follows this process's affinity.
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    loadAverages,
  },
  durationSeconds: (performance.now() - began) / 1000,
  profiles,
});
console.log(markdown);
if (!args.quick && !args["no-write"]) {
  writeResultsSection(fileURLToPath(new URL("../RESULTS.md", import.meta.url)), markdown, args.pin ? pinnedCompareSection : compareSection);
  log("bench/RESULTS.md updated");
}
process.exit(0);
