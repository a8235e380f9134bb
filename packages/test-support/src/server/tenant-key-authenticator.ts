import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { configureAuth, type Authenticator } from "@checkpointd/server";
import { writeKeysFile } from "../auth/api-keys.js";
import { tenantAuthorization } from "./tenant-test-authenticator.js";

/** The server's real authentication (--auth-keys-file), and its teardown. */
export interface TenantKeyAuthenticator {
  authenticator: Authenticator;
  close(): Promise<void>;
}

/**
 * The real API-key authentication with one admin key per tenant, each key being the token
 * `tenantAuthorization(tenant)` sends (`Bearer tenant-<x>`): the clients of isolation-probes.ts
 * call through it unchanged, so the isolation matrix runs against the credentials a deployment
 * uses, not a test stand-in. A call without a key is refused, as on a real server.
 */
export async function createTenantKeyAuthenticator(tenants: readonly string[]): Promise<TenantKeyAuthenticator> {
  const dir = await mkdtemp(join(tmpdir(), "checkpointd-tenant-keys-"));
  const keysFile = join(dir, "keys.json");
  const keys = tenants.map((tenant) => ({
    id: `key-${tenant}`,
    token: tenantAuthorization(tenant).slice("Bearer ".length),
    tenant,
    roles: ["admin" as const],
  }));
  await writeKeysFile(keysFile, keys);
  const auth = await configureAuth({ authKeysFile: keysFile }, pino({ level: "silent" }));
  return {
    authenticator: auth.authenticator,
    async close() {
      auth.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
