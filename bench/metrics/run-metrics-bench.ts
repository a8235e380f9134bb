// The cost of observability: GetTuple (L1 hit) and Put throughput at c=64 against three
// checkpointd processes on one PostgreSQL (fsync off, so the server's CPU is what is measured):
// metrics off (`--metrics-port off`), metrics on (the default, tracing off), and metrics on with
// tracing sampled at 10 % (OTLP/HTTP to an in-process receiver). The three are measured in turn
// within each round, the order rotated per round, and the report gives the median and range of
// each configuration's throughput relative to metrics off, round by round.
//
//   pnpm --filter @checkpointd/bench exec node --import tsx metrics/run-metrics-bench.ts [--rounds N] [--seconds S]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { createDatabase, runCheckpointd, startOtlpReceiver, startPostgres, type RunningCheckpointd } from "@checkpointd/test-support";
import { runClosedLoop } from "../compare/run-closed-loop.js";
import { setPostgresDurability } from "../compare/set-postgres-durability.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, seconds: { type: "string", default: "4" } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const concurrency = 64;

type Config = "metrics off" | "metrics on" | "tracing 10 %";
const configs: Config[] = ["metrics off", "metrics on", "tracing 10 %"];
const workloads = ["GetTuple (L1 hit)", "Put"] as const;

const id = (n: number) => `1f0d0000-0000-6000-8000-${String(n).padStart(12, "0")}`;
const put = (threadId: string, n: number) => ({
  config: { threadId, checkpointNs: "", ...(n > 0 ? { checkpointId: id(n - 1) } : {}) },
  checkpoint: {
    v: 4,
    id: id(n),
    ts: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, n)).toISOString(),
    channelValues: { messages: { type: "json", data: new Uint8Array(2048).fill(65) } },
    channelVersions: { messages: { kind: { case: "intValue" as const, value: BigInt(n + 1) } } },
  },
  metadata: { source: "loop", step: n, parents: {} },
  newVersions: { messages: { kind: { case: "intValue" as const, value: BigInt(n + 1) } } },
});

const postgres = await startPostgres();
const receiver = await startOtlpReceiver();
const servers = new Map<Config, RunningCheckpointd>();
try {
  await setPostgresDurability(postgres.url, "fast");
  for (const config of configs) {
    const databaseUrl = await createDatabase(postgres.url);
    const args = config === "metrics off" ? ["--metrics-port", "off"] : ["--metrics-port", "0"];
    const env: Record<string, string> =
      config === "tracing 10 %"
        ? { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" }
        : {};
    servers.set(config, await runCheckpointd({ databaseUrl, args: ["--slow-call-ms", "60000", ...args], env }));
  }
  const clients = new Map<Config, Client<typeof CheckpointService>>(
    configs.map((c) => [c, createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://${servers.get(c)!.address}` }))]),
  );
  // One thread per worker for the reads, each read once so the L1 holds it.
  for (const client of clients.values()) {
    for (let w = 0; w < concurrency; w++) await client.put(put(`read-${w}`, 0));
    for (let w = 0; w < concurrency; w++) await client.getTuple({ config: { threadId: `read-${w}` } });
  }
  const putSeq = new Map<string, number>();
  const results = new Map<string, number[]>();
  const loads: number[] = [];
  for (let round = 0; round < rounds; round++) {
    loads.push(loadavg()[0]!);
    const order = configs.map((_, i) => configs[(i + round) % configs.length]!);
    for (const workload of workloads) {
      for (const config of order) {
        const client = clients.get(config)!;
        const op =
          workload === "Put"
            ? async (_seq: number, w: number) => {
                const key = `${config} ${w}`;
                const n = putSeq.get(key) ?? 0;
                putSeq.set(key, n + 1);
                await client.put(put(`put-${round}-${w}`, n));
              }
            : async (_seq: number, w: number) => {
                await client.getTuple({ config: { threadId: `read-${w}` } });
              };
        if (workload === "Put") for (let w = 0; w < concurrency; w++) putSeq.delete(`${config} ${w}`);
        const result = await runClosedLoop(op, { concurrency, maxOps: 10_000_000, maxMs: seconds * 1000 });
        if (result.errors > 0) throw new Error(`${config} ${workload}: ${result.errors} errors (${result.firstError})`);
        const key = `${workload}|${config}`;
        results.set(key, [...(results.get(key) ?? []), result.opsPerSecond]);
        process.stderr.write(`round ${round + 1} ${workload} ${config}: ${result.opsPerSecond.toFixed(0)} ops/s\n`);
      }
    }
  }
  loads.push(loadavg()[0]!);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const lines = [
    `Run ${new Date().toISOString()}, ${rounds} round(s) of ${seconds} s per case, c=${concurrency}; 1-minute load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}.`,
    "",
    "| workload | configuration | ops/s (median) | vs metrics off, median of per-round ratios (range) |",
    "| --- | --- | ---: | --- |",
  ];
  for (const workload of workloads) {
    const off = results.get(`${workload}|metrics off`)!;
    for (const config of configs) {
      const xs = results.get(`${workload}|${config}`)!;
      const ratios = xs.map((x, i) => x / off[i]!);
      const pct = (r: number) => `${r >= 1 ? "+" : ""}${((r - 1) * 100).toFixed(1)} %`;
      lines.push(
        `| ${workload} | ${config} | ${median(xs).toFixed(0)} | ${config === "metrics off" ? "–" : `${pct(median(ratios))} (${pct(Math.min(...ratios))} … ${pct(Math.max(...ratios))})`} |`,
      );
    }
  }
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  for (const server of servers.values()) await server.stop();
  await receiver.close();
  await postgres.destroy();
}
