// What observing a call costs the server, in CPU time per call, measured in one process so
// that a shared machine's load changes the figures little: the service implementation's
// GetTuple and Put (handlers that answer at once) called through the call observer's wrapper
// (packages/server/src/transport/observe-calls.ts) with metrics off, metrics on, and metrics
// plus tracing sampled at 10 % (spans exported to an in-process OTLP receiver), against the
// bare handlers. Compare the added microseconds with checkpointd's own CPU per call in
// RESULTS.md's tables.
//
//   pnpm --filter @checkpointd/bench exec node --import tsx metrics/measure-call-overhead.ts [--calls N] [--rounds R]
import { parseArgs } from "node:util";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { pino } from "pino";
import { startOtlpReceiver } from "@checkpointd/test-support";
import { createMetrics } from "../../packages/server/dist/metrics/metrics.js";
import { createCallObserver } from "../../packages/server/dist/transport/observe-calls.js";
import { createOtelTracing } from "../../packages/server/dist/tracing/otel-tracing.js";

const { values } = parseArgs({ options: { calls: { type: "string", default: "200000" }, rounds: { type: "string", default: "5" } } });
const calls = Number(values.calls);
const rounds = Number(values.rounds);

type Handler = (
  request: unknown,
  context: { signal: AbortSignal; requestHeader?: { get(name: string): string | null } },
) => Promise<unknown>;
const answers: Record<string, Handler> = {
  getTuple: async () => ({}),
  put: async () => ({ config: { threadId: "t", checkpointNs: "", checkpointId: "c" } }),
};
const bare = Object.fromEntries(CheckpointService.methods.map((m) => [m.localName, answers[m.localName] ?? (async () => ({}))]));
const logger = pino({ level: "silent" });
const receiver = await startOtlpReceiver();
const tracing = createOtelTracing({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_TRACES_SAMPLER: "traceidratio",
  OTEL_TRACES_SAMPLER_ARG: "0.1",
});
const variants = {
  bare,
  "observer, metrics off": createCallObserver({ logger, slowCallMs: 500 }).wrap(CheckpointService, bare as never),
  "observer, metrics on": createCallObserver({ logger, slowCallMs: 500, metrics: createMetrics() }).wrap(CheckpointService, bare as never),
  "observer, metrics on, tracing 10 %": createCallObserver({
    logger,
    slowCallMs: 500,
    metrics: createMetrics(),
    tracer: tracing.calls,
  }).wrap(CheckpointService, bare as never),
} as unknown as Record<string, Record<string, Handler>>;
const headers = new Map([["content-type", "application/grpc"]]);
const context = { signal: new AbortController().signal, requestHeader: { get: (name: string) => headers.get(name) ?? null } };

const perCall = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const [name, impl] of Object.entries(variants)) {
    for (const method of ["getTuple", "put"]) {
      const handler = impl[method]!;
      const start = process.cpuUsage();
      for (let i = 0; i < calls; i++) await handler({ config: { threadId: "t" } }, context);
      const used = process.cpuUsage(start);
      const key = `${method}|${name}`;
      perCall.set(key, [...(perCall.get(key) ?? []), ((used.user + used.system) * 1000) / calls]);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const lines = ["| call | variant | CPU ns per call (median of rounds) | added over bare |", "| --- | --- | ---: | ---: |"];
for (const method of ["getTuple", "put"]) {
  const base = median(perCall.get(`${method}|bare`)!);
  for (const name of Object.keys(variants)) {
    const ns = median(perCall.get(`${method}|${name}`)!);
    lines.push(
      `| ${method === "put" ? "Put" : "GetTuple"} | ${name} | ${ns.toFixed(0)} | ${name === "bare" ? "–" : `${(ns - base).toFixed(0)} ns`} |`,
    );
  }
}
process.stdout.write(`${lines.join("\n")}\n`);
await tracing.shutdown();
await receiver.close();
