/**
 * grpc-js vs connect-node on checkpointd's unary path, against the bare stub
 * (no storage). For each library: start the stub in a child process, warm
 * up, run ghz GetTuple at each concurrency, then check how Put's error
 * message reaches a grpc-js client. Prints a markdown report.
 *
 *   pnpm --filter @checkpointd/bench transport [--rounds N]
 *
 * With several rounds (default 3) the libraries alternate which goes first
 * and the report gives medians, which keeps noise from other processes on a
 * small machine from deciding the result.
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import { parseArgs } from "node:util";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { callPutWithGrpcJs } from "./call-put-with-grpc-js.js";
import { cannedChannelValueBytes, cannedGetTupleResponseBytes } from "./canned-get-tuple-response.js";
import { formatTransportReport, type ErrorMessageCheck } from "./format-transport-report.js";
import type { LoadRun } from "./load-run.js";
import { putErrorMessage } from "./put-error-message.js";
import { readRawGrpcMessage } from "./read-raw-grpc-message.js";
import { ghzPath, runGhz, type GhzRun } from "./run-ghz.js";
import { spawnStubServer } from "./spawn-stub-server.js";
import { transportLibraries } from "./transport-library.js";

const warmup = { concurrency: 16, requests: 3_000 };
const plan = [
  { concurrency: 1, requests: 5_000 },
  { concurrency: 32, requests: 20_000 },
  { concurrency: 64, requests: 20_000 },
];
/** Every ghz run stops after this long even if its requests were not all sent. */
const maxDurationSeconds = 60;
const getTuple = `${CheckpointService.typeName}/${CheckpointService.method.getTuple.name}`;
const getTupleData = { config: { thread_id: "bench-thread" } };

const { values: options } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const rounds = Number(options.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10)
  throw new Error(`--rounds must be an integer from 1 to 10, not ${options.rounds}`);

const runs: LoadRun[] = [];
const errorChecks: ErrorMessageCheck[] = [];

for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? [...transportLibraries] : [...transportLibraries].reverse();
  for (const library of order) {
    const server = await spawnStubServer(library);
    try {
      const base: Omit<GhzRun, "concurrency" | "requests"> = {
        target: `127.0.0.1:${server.port}`,
        call: getTuple,
        data: getTupleData,
        maxDurationSeconds,
        cpus: 1,
      };
      console.error(`[round ${round}/${rounds}] [${library}] port ${server.port}: warm-up`);
      await runGhz({ ...base, ...warmup });
      for (const step of plan) {
        const before = await server.usage();
        const result = await runGhz({ ...base, ...step });
        const after = await server.usage();
        const serverCpuMicrosPerRequest = result.count > 0 ? (after.cpuMicros - before.cpuMicros) / result.count : Number.NaN;
        runs.push({ round, library, result, serverCpuMicrosPerRequest });
        console.error(
          `[round ${round}/${rounds}] [${library}] GetTuple c=${step.concurrency} n=${result.count}: ${result.rps.toFixed(0)} req/s, ` +
            `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ${result.errors} errors, ${serverCpuMicrosPerRequest.toFixed(0)} µs CPU/req`,
        );
      }
      if (!errorChecks.some((check) => check.library === library)) {
        const clientOutcome = await callPutWithGrpcJs(server.port);
        const rawGrpcMessage = await readRawGrpcMessage(server.port);
        errorChecks.push({
          library,
          sent: putErrorMessage,
          clientDetails: clientOutcome.details,
          clientCode: clientOutcome.code,
          rawGrpcMessage,
        });
      }
    } finally {
      await server.stop();
    }
  }
}
errorChecks.sort((a, b) => transportLibraries.indexOf(a.library) - transportLibraries.indexOf(b.library));

// ghz prints its version on stderr.
const ghzVersionRun = spawnSync(ghzPath(), ["--version"], { encoding: "utf8", timeout: 10_000 });
const ghzVersion = `${ghzVersionRun.stdout}${ghzVersionRun.stderr}`.trim();
console.log(
  formatTransportReport({
    machine: {
      cores: os.availableParallelism(),
      memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
      node: process.version,
      ghz: ghzVersion,
      date: new Date().toISOString(),
    },
    command: "pnpm install && pnpm exec tsc -b packages/server && pnpm --filter @checkpointd/bench transport",
    responseBytes: cannedGetTupleResponseBytes,
    channelValueBytes: cannedChannelValueBytes,
    warmup,
    rounds,
    runs,
    errorChecks,
  }),
);
