import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runCheckpointdVerb, spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";
import { newApiKey, writeKeysFile } from "@checkpointd/test-support/auth";

/** The client verbs against a server with real API keys: --token, CHECKPOINTD_TOKEN, and what a refusal prints. */
describe("client verbs with --token", () => {
  const writer = newApiKey("cli-writer", "acme", ["write"]);
  const reader = newApiKey("cli-reader", "acme", ["read"]);
  let dir: string;
  let server: SpawnedCheckpointd;
  const verb = (args: string[], env: Record<string, string> = {}) =>
    runCheckpointdVerb([...args, "--server", `127.0.0.1:${server.port}`], env);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "checkpointd-cli-token-"));
    await writeKeysFile(join(dir, "keys.json"), [writer, reader]);
    server = await spawnCheckpointd(["--data-dir", "memory://", "--auth-keys-file", join(dir, "keys.json")]);
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("calls with the token given by --token or CHECKPOINTD_TOKEN", async () => {
    // CopyThread needs the write role: the writer's key has it.
    const copied = await verb(["copy", "cli-token-none", "cli-token-copy", "--token", writer.token, "--json"]);
    expect(copied.code).toBe(0);
    const listed = await verb(["threads", "--json"], { CHECKPOINTD_TOKEN: reader.token });
    expect(listed.code).toBe(0);
    expect(listed.stdout + listed.stderr).not.toContain("UNAUTHENTICATED");
  });

  it("says what to fix when the token is missing, unknown or too weak, and exits 1", async () => {
    const missing = await verb(["threads"]);
    expect([missing.code, missing.stderr.trim()]).toEqual([
      1,
      "checkpointd threads: the server answered UNAUTHENTICATED: missing authorization: send `authorization: Bearer <token>`",
    ]);
    const unknown = await verb(["threads", "--token", "0".repeat(64)]);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, "checkpointd threads: the server answered UNAUTHENTICATED: unknown key"]);
    const weak = await verb(["delete", "cli-token-copy", "--token", reader.token]);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain("PERMISSION_DENIED: DeleteThread needs the admin role; this credential has the read role");
    // The token itself is never printed.
    for (const result of [missing, unknown, weak]) expect(result.stdout + result.stderr).not.toContain(reader.token);
  });
});
