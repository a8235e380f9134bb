import { request as httpRequest, validateHeaderValue } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { create, toBinary } from "@bufbuild/protobuf";
import { GetTupleRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";
import { newApiKey, startJwtIssuer, writeKeysFile, type JwtIssuer } from "@checkpointd/test-support/auth";
import { frame, H2Pool, h2Call, hostileAuthorization, Rng, type AuthorizationMaterial, type Outcome } from "@checkpointd/test-support/fuzz";

/**
 * 2,000 hostile `authorization` values (garbage, huge, unicode, truncated and
 * mutated JWTs and keys, `alg: none`, HS256 with the public key, malformed
 * schemes, repeated headers) against a real `checkpointd serve` with API keys
 * and JWTs on: each must be UNAUTHENTICATED (or refused by HTTP itself, for a
 * value HTTP does not allow), never accepted, never INTERNAL; the process
 * survives and still serves a good key. Reproduce with AUTH_FUZZ_SEED.
 */

const VALUES = 2_000;
const CONCURRENCY = 8;
const RUN_BUDGET_MS = 90_000;
const GRPC = "/checkpointd.v1.CheckpointService/GetTuple";

/** Connect JSON over HTTP/1.1, where Node's client does send repeated headers. */
function connectJson(port: number, values: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: GRPC,
        headers: { "content-type": "application/json", authorization: [...values] },
        timeout: 10_000,
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => {
          const code = /"code":"(\w+)"/.exec(body)?.[1];
          resolve({
            http: res.statusCode,
            code: code === "unauthenticated" ? 16 : code === undefined ? (res.statusCode === 200 ? 0 : undefined) : -1,
            detail: body.slice(0, 200),
          });
        });
      },
    );
    req.on("error", (error) => resolve({ transport: "client", detail: error.message }));
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end('{"config":{"threadId":"t"}}');
  });
}

describe("authorization fuzzing (real process)", () => {
  const seed =
    process.env.AUTH_FUZZ_SEED !== undefined ? Number(process.env.AUTH_FUZZ_SEED) >>> 0 : (Date.now() ^ (process.pid << 8)) >>> 0;
  const key = newApiKey("fuzz", "acme", ["read"]);
  let dir: string;
  let issuer: JwtIssuer;
  let server: SpawnedCheckpointd;
  let material: AuthorizationMaterial;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "checkpointd-auth-fuzz-"));
    issuer = await startJwtIssuer(dir);
    await writeKeysFile(join(dir, "keys.yaml"), [key]);
    server = await spawnCheckpointd(["--data-dir", "memory://"], {
      AUTH_KEYS_FILE: join(dir, "keys.yaml"),
      AUTH_JWKS_FILE: issuer.jwksFile,
      AUTH_JWKS_URL: issuer.jwksUrl,
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      LOG_LEVEL: "info",
    });
    const claims = { tenant: "acme", roles: ["read"] };
    material = {
      key: key.token,
      jwt: await issuer.sign(claims),
      unsigned: issuer.unsigned(claims),
      hs256: await issuer.signedWithPublicKeyAsSecret(claims),
    };
  });
  afterAll(async () => {
    await server?.stop();
    await issuer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`answers ${VALUES} hostile authorization values with UNAUTHENTICATED only, on both ports`, async () => {
    const body = [frame(Buffer.from(toBinary(GetTupleRequestSchema, create(GetTupleRequestSchema, { config: { threadId: "t" } }))))];
    const pools = [new H2Pool(`http://127.0.0.1:${server.port}`, 2), new H2Pool(`http://127.0.0.1:${server.httpPort!}`, 2)];
    const faults: string[] = [];
    const tally = new Map<string, number>();
    let unsendable = 0;
    const deadline = Date.now() + RUN_BUDGET_MS;
    let next = 0;
    const worker = async (slot: number) => {
      while (next < VALUES && Date.now() < deadline) {
        const index = next++;
        const rng = new Rng((seed + index * 7919) >>> 0);
        const hostile = hostileAuthorization(rng, material);
        // Node's HTTP/2 client sends one authorization, and throws on a value HTTP forbids (and h2Call then
        // replaces a session other calls are using): repeated values go as HTTP/1.1, forbidden ones not at all.
        const onConnectHttp1 = hostile.values.length > 1;
        try {
          for (const value of hostile.values) validateHeaderValue("authorization", value);
        } catch {
          unsendable++;
          continue;
        }
        const port = rng.int(0, 1);
        let outcome: Outcome;
        try {
          outcome = onConnectHttp1
            ? await connectJson(server.httpPort!, hostile.values)
            : await h2Call(pools[port]!, slot, {
                path: GRPC,
                contentType: "application/grpc",
                extraHeaders: { authorization: hostile.values[0]! },
                body,
              });
        } catch (error) {
          faults.push(`#${index} (${hostile.kind}): the client failed: ${(error as Error).message}`);
          continue;
        }
        if (outcome.transport === "client") {
          unsendable++;
          continue;
        }
        const label =
          outcome.code === 16
            ? "UNAUTHENTICATED"
            : outcome.code !== undefined
              ? `code ${outcome.code}`
              : outcome.http !== undefined
                ? `http ${outcome.http}`
                : `transport ${outcome.transport}`;
        tally.set(label, (tally.get(label) ?? 0) + 1);
        // HTTP itself may refuse a value it does not allow (a 400 before any handler); anything else is a fault.
        const refusedByHttp = outcome.code === undefined && outcome.http === 400;
        if (outcome.code !== 16 && !refusedByHttp) {
          faults.push(
            `#${index} (${hostile.kind}, ${onConnectHttp1 ? "connect http/1.1" : port === 0 ? "grpc" : "connect h2"}): ${label} ${outcome.detail ?? ""}`.slice(
              0,
              300,
            ),
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, slot) => worker(slot)));
    pools.forEach((pool) => pool.close());
    const sent = [...tally.values()].reduce((a, b) => a + b, 0);
    process.stdout.write(
      `auth fuzz seed ${seed}: ${sent} answered, ${unsendable} not sendable, ${JSON.stringify(Object.fromEntries(tally))}\n`,
    );
    expect(faults.slice(0, 20)).toEqual([]);
    expect(next).toBeGreaterThanOrEqual(VALUES);
    expect(sent).toBeGreaterThan(VALUES * 0.9);
    expect(server.process.exitCode).toBeNull();

    const good = await h2Call(new H2Pool(`http://127.0.0.1:${server.port}`, 1), 0, {
      path: GRPC,
      contentType: "application/grpc",
      extraHeaders: { authorization: `Bearer ${key.token}` },
      body,
    });
    expect(good.code).toBe(0);
    expect(server.output().stdout).not.toContain(key.token);
  }, 150_000);
});
