import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { Client as GrpcClient, credentials, Metadata, status } from "@grpc/grpc-js";
import { cliPath, spawnCheckpointd, waitUntil } from "@checkpointd/test-support";
import { newApiKey, writeKeysFile } from "@checkpointd/test-support/auth";

const run = promisify(execFile);

/** grpc.health.v1.Health/Check of the whole server through grpc-js, raw bytes: "SERVING", or the refusal. */
function healthCheck(address: string, authorization?: string): Promise<string> {
  const client = new GrpcClient(address, credentials.createInsecure());
  const metadata = new Metadata();
  if (authorization !== undefined) metadata.set("authorization", authorization);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      metadata,
      (error, response) => {
        client.close();
        if (error) resolve(`${status[error.code]}: ${error.details}`);
        // HealthCheckResponse { status = 1 (SERVING) }.
        else resolve(Buffer.compare(response!, Buffer.from([8, 1])) === 0 ? "SERVING" : response!.toString("hex"));
      },
    );
  });
}

/** `checkpointd serve …` that must exit by itself: its code and its stderr's lines. */
async function refusedStart(args: string[], env: Record<string, string> = {}): Promise<{ code: number; lines: string[]; stdout: string }> {
  const outcome = await run(process.execPath, [cliPath, "serve", "--port", "0", "--http-port", "0", "--data-dir", "memory://", ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    timeout: 30_000,
  }).then(
    () => ({ code: 0, stderr: "", stdout: "" }),
    (error: { code: number; stderr: string; stdout: string }) => error,
  );
  return { code: outcome.code, lines: outcome.stderr.split("\n").filter((line) => line !== ""), stdout: outcome.stdout };
}

describe("secure by default (the real CLI)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "checkpointd-secure-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test("a non-loopback --host without authentication refuses to start: exit 1, one line saying how to configure auth", async () => {
    for (const host of ["0.0.0.0", "::", "192.0.2.1"]) {
      const { code, lines, stdout } = await refusedStart(["--host", host]);
      expect({ host, code, lines }).toEqual({
        host,
        code: 1,
        lines: [
          `checkpointd: --host: ${host} is not loopback and no authentication is configured: set --auth-keys-file (or --auth-jwks-file/--auth-jwks-url; see docs/operations.md), or pass --insecure-no-auth`,
        ],
      });
      // Refused before anything listens or opens a database.
      expect(stdout).not.toMatch(/database ready|listening/);
    }
  });

  test("--insecure-no-auth lets it past the check with a warning (192.0.2.1 is not this machine's, so the listen then fails: nothing is exposed)", async () => {
    const { code, lines, stdout } = await refusedStart(["--host", "192.0.2.1", "--insecure-no-auth"]);
    expect(stdout).toMatch(
      /"level":40,[^\n]*"msg":"--insecure-no-auth: serving without authentication; anyone who reaches the port can read, change and delete every thread"/,
    );
    expect(stdout).toMatch(/"msg":"database ready"/);
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^checkpointd: host\/port: cannot listen on 192\.0\.2\.1:0/);
  });

  test("a keys file that is missing or malformed at start: exit 1, one line naming the setting and the entry", async () => {
    const missing = await refusedStart(["--auth-keys-file", join(dir, "nope.yaml")]);
    expect(missing.code).toBe(1);
    expect(missing.lines).toEqual([expect.stringMatching(/^checkpointd: --auth-keys-file: .*nope\.yaml: ENOENT/)]);
    const bad = join(dir, "bad.yaml");
    await writeFile(bad, "keys:\n  - id: a\n    sha256: abc\n    tenant: t\n    roles: [read]\n");
    const malformed = await refusedStart(["--auth-keys-file", bad]);
    expect(malformed.code).toBe(1);
    expect(malformed.lines).toEqual([
      `checkpointd: --auth-keys-file: ${bad}: keys[0] (id "a"): sha256 must be 64 hex digits (the SHA-256 of the key, e.g. from \`sha256sum\`)`,
    ]);
    const wrongRole = join(dir, "role.json");
    await writeFile(wrongRole, JSON.stringify([{ id: "a", sha256: "a".repeat(64), tenant: "t", roles: ["root"] }]));
    expect((await refusedStart(["--auth-keys-file", wrongRole])).lines).toEqual([
      `checkpointd: --auth-keys-file: ${wrongRole}: keys[0] (id "a"): roles must be a non-empty list of read, write, admin`,
    ]);
  });

  test("with a keys file: SIGHUP re-reads it and the server keeps serving; --auth-public-services '' puts health behind credentials", async () => {
    const key = newApiKey("ops", "acme", ["read"]);
    const keysFile = join(dir, "keys.json");
    await writeKeysFile(keysFile, [key]);
    const server = await spawnCheckpointd(["--data-dir", "memory://"], { AUTH_KEYS_FILE: keysFile, AUTH_PUBLIC_SERVICES: "" });
    try {
      const health = (authorization?: string) => healthCheck(`127.0.0.1:${server.port}`, authorization);
      expect(await health()).toBe("UNAUTHENTICATED: missing authorization: send `authorization: Bearer <token>`");
      expect(await health(`Bearer ${key.token}`)).toBe("SERVING");
      server.process.kill("SIGHUP");
      await waitUntil(
        "the keys re-read",
        async () => {
          expect(server.output().stdout.match(/"msg":"API keys reloaded"/g)).toHaveLength(1);
        },
        { timeoutMs: 5_000 },
      );
      expect(server.process.exitCode).toBeNull();
      expect(await health(`Bearer ${key.token}`)).toBe("SERVING");
      expect(server.output().stdout).not.toContain(key.token);
    } finally {
      await server.stop();
    }
  });
});
