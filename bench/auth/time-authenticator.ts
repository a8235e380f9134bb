/**
 * What authentication costs a call in CPU, in-process and without a network:
 * the CPU nanoseconds `authenticate()` (plus `track()`) takes per GetTuple call
 * with authentication off, an API key and a cached JWT, measured over many
 * calls in interleaved rounds. The figure to set beside a call's whole server
 * CPU (RESULTS.md: ~140 µs per GetTuple L1 hit at c=64).
 *
 *   pnpm --filter @checkpointd/bench run auth:cpu
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { CheckpointService, GetTupleRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { configureAuth, type Authenticator } from "@checkpointd/server";
import { newApiKey, startJwtIssuer, writeKeysFile } from "@checkpointd/test-support/auth";
import { pino } from "pino";

const calls = 200_000;
const rounds = 5;
const dir = mkdtempSync(join(tmpdir(), "checkpointd-auth-cpu-"));
const issuer = await startJwtIssuer(dir);
const key = newApiKey("bench", "bench", ["write"]);
await writeKeysFile(join(dir, "keys.json"), [key]);
const jwt = await issuer.sign({ tenant: "bench", roles: ["write"] }, { expiresIn: 3600 });
const logger = pino({ level: "silent" });
const off = await configureAuth({}, logger);
const on = await configureAuth(
  { authKeysFile: join(dir, "keys.json"), authJwksFile: issuer.jwksFile, authIssuer: issuer.issuer, authAudience: issuer.audience },
  logger,
);
const method = CheckpointService.method.getTuple;
const request = create(GetTupleRequestSchema, { config: { threadId: "hot" } });
const cases: [string, Authenticator, string[]][] = [
  ["auth off", off.authenticator, []],
  ["API key", on.authenticator, [`Bearer ${key.token}`]],
  ["JWT (RS256, cached)", on.authenticator, [`Bearer ${jwt}`]],
];
// The JWT's first verification (a signature check) happens here, before timing.
await on.authenticator.authenticate({ authorization: [`Bearer ${jwt}`], peerCertificate: undefined }, method, request);
const samples = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const [name, authenticator, authorization] of cases) {
    const credentials = { authorization, peerCertificate: undefined };
    // CPU time, not wall time: on a shared machine the process is descheduled for much of the wall clock.
    const started = process.cpuUsage();
    for (let i = 0; i < calls; i++) {
      const identity = authenticator.authenticate(credentials, method, request);
      if (identity instanceof Promise) throw new Error(`${name}: not answered synchronously`);
      authenticator.track?.(identity, method, request);
    }
    const used = process.cpuUsage(started);
    const ns = ((used.user + used.system) * 1000) / calls;
    samples.set(name, [...(samples.get(name) ?? []), ns]);
  }
}
const lines = ["| mode | CPU ns per call, median (range over rounds) |", "| --- | ---: |"];
for (const [name, ns] of samples) {
  const sorted = [...ns].sort((a, b) => a - b);
  lines.push(`| ${name} | ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} (${sorted[0]!.toFixed(0)}–${sorted.at(-1)!.toFixed(0)}) |`);
}
process.stdout.write(`${calls} calls × ${rounds} rounds each, ${new Date().toUTCString()}\n\n${lines.join("\n")}\n`);
off.close();
on.close();
await issuer.close();
rmSync(dir, { recursive: true, force: true });
