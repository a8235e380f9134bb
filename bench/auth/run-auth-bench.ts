/**
 * Authentication's cost: GetTuple (an L1 hit) and Put at c=64 against three
 * checkpointd processes on one throwaway PostgreSQL: auth off, an API key
 * (`--auth-keys-file`) and a JWT (`--auth-jwks-file`, RS256). The three are
 * measured interleaved, round after round (the order rotating), so that the
 * load other sessions put on a shared machine falls on all of them alike.
 * Each ghz run is bounded by its request count and a 60 s cap. Prints a
 * markdown report on stdout, progress on stderr.
 *
 *   pnpm --filter @checkpointd/bench run auth [--rounds N] [--quick]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { create, toJson } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService, PutRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { createDatabase, spawnCheckpointd, startPostgres, type SpawnedCheckpointd } from "@checkpointd/test-support";
import { newApiKey, startJwtIssuer, writeKeysFile } from "@checkpointd/test-support/auth";
import { cannedGetTupleResponse } from "../transport/canned-get-tuple-response.js";
import { runGhz, type GhzResult } from "../transport/run-ghz.js";

const { values: options } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, quick: { type: "boolean", default: false } },
});
const rounds = Number(options.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9)
  throw new Error(`--rounds must be an integer from 1 to 9, not ${options.rounds}`);
const scale = options.quick ? 0.1 : 1;
const getTupleRequests = Math.round(10_000 * scale);
const putRequests = Math.round(2_000 * scale);
const concurrency = 64;
const log = (message: string) => console.error(`[auth] ${message}`);

type Mode = "auth off" | "API key" | "JWT (RS256)";
interface Target {
  mode: Mode;
  server: SpawnedCheckpointd;
  metadata: Record<string, string> | undefined;
}

const dir = mkdtempSync(join(tmpdir(), "checkpointd-auth-bench-"));
const postgres = await startPostgres();
const issuer = await startJwtIssuer(dir);
const key = newApiKey("bench", "bench", ["write"]);
await writeKeysFile(join(dir, "keys.json"), [key]);
const jwt = await issuer.sign({ tenant: "bench", roles: ["write"] }, { expiresIn: 3600 });
const targets: Target[] = [];
const loads: number[] = [];
try {
  const modes: [Mode, string[], Record<string, string> | undefined][] = [
    ["auth off", [], undefined],
    ["API key", ["--auth-keys-file", join(dir, "keys.json")], { authorization: `Bearer ${key.token}` }],
    [
      "JWT (RS256)",
      ["--auth-jwks-file", issuer.jwksFile, "--auth-issuer", issuer.issuer, "--auth-audience", issuer.audience],
      { authorization: `Bearer ${jwt}` },
    ],
  ];
  for (const [mode, args, metadata] of modes) {
    const server = await spawnCheckpointd(["--http-port", "off", ...args], { DATABASE_URL: await createDatabase(postgres.url) });
    targets.push({ mode, server, metadata });
  }
  const checkpoint = cannedGetTupleResponse.tuple!.checkpoint!;
  const put = create(PutRequestSchema, {
    config: { threadId: "hot" },
    checkpoint,
    metadata: cannedGetTupleResponse.tuple!.metadata!,
    newVersions: checkpoint.channelVersions,
  });
  for (const target of targets) {
    const client = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${target.server.port}` }));
    await client.put(put, target.metadata === undefined ? {} : { headers: target.metadata });
  }
  const putData = { ...(toJson(PutRequestSchema, put) as Record<string, unknown>) };
  const results: { round: number; mode: Mode; call: string; result: GhzResult }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const target of order) {
      for (const [call, data, requests] of [
        ["GetTuple (L1 hit)", { config: { threadId: "hot" } }, getTupleRequests],
        ["Put", { ...putData, config: { threadId: `put-r${round}-{{.RequestNumber}}` } }, putRequests],
      ] as const) {
        const method = call === "Put" ? "Put" : "GetTuple";
        const base = {
          target: `127.0.0.1:${target.server.port}`,
          call: `checkpointd.v1.CheckpointService/${method}`,
          concurrency,
          maxDurationSeconds: 60,
          cpus: 1,
          // The server's own schema: ghz's proto parser refuses proto3 `optional` fields (ListRequest.limit).
          reflection: true,
        };
        const extra = target.metadata === undefined ? {} : { metadata: target.metadata };
        // A short warm-up on the same connection settings (its Put threads are its own).
        await runGhz({
          ...base,
          ...extra,
          data: method === "Put" ? { ...data, config: { threadId: `warm-r${round}-{{.RequestNumber}}` } } : data,
          requests: Math.max(200, Math.round(requests / 10)),
        });
        loads.push(loadavg()[0]!);
        const result = await runGhz({ ...base, ...extra, data, requests });
        loads.push(loadavg()[0]!);
        // A run cut short by the time cap ends its in-flight calls with errors: those are not the server's.
        const cutShort = result.endReason === "cancel" && result.errors <= concurrency;
        if (result.errors > 0 && !cutShort)
          throw new Error(`${target.mode} ${call}: ${result.errors} errors ${JSON.stringify(result.errorDistribution)}`);
        log(
          `round ${round} ${target.mode} ${call}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`,
        );
        results.push({ round, mode: target.mode, call, result });
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const range = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
  const lines = [
    `Run finished ${new Date().toUTCString()}; ${rounds} interleaved rounds; load average (1 min) ${range(loads, 1)} during the runs.`,
    "",
    `| call (c=${concurrency}) | mode | req/s median (range) | p50 ms median (range) | p99 ms median (range) | req/s vs auth off (median) |`,
    "| --- | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const call of ["GetTuple (L1 hit)", "Put"]) {
    const off = median(results.filter((r) => r.call === call && r.mode === "auth off").map((r) => r.result.rps));
    for (const target of targets) {
      const rows = results.filter((r) => r.call === call && r.mode === target.mode).map((r) => r.result);
      const rps = rows.map((r) => r.rps);
      lines.push(
        `| ${call} | ${target.mode} | ${median(rps).toFixed(0)} (${range(rps, 0)}) | ${median(rows.map((r) => r.p50Ms)).toFixed(2)} (${range(
          rows.map((r) => r.p50Ms),
          2,
        )}) | ${median(rows.map((r) => r.p99Ms)).toFixed(2)} (${range(
          rows.map((r) => r.p99Ms),
          2,
        )}) | ${((median(rps) / off) * 100).toFixed(1)} % |`,
      );
    }
  }
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await Promise.all(targets.map((t) => t.server.stop()));
  await issuer.close();
  await postgres.destroy();
  rmSync(dir, { recursive: true, force: true });
}
