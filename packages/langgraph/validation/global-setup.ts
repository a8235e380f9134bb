import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL the savers' servers get their databases on; "" for embedded PGlite. */
    validationDatabaseUrl: string;
    /** Redis for the servers' L1 cache; "" for the in-process cache. */
    validationRedisUrl: string;
    /** A keys file the servers authenticate with (`--auth-keys-file`); "" for authentication off. */
    validationKeysFile: string;
  }
}

interface Stoppable {
  url: string;
  stop(): Promise<void>;
}

/**
 * Where the validation's servers keep their data. By default embedded PGlite.
 * CHECKPOINTD_VALIDATION_DATABASE_URL / REDIS_URL name an existing PostgreSQL
 * (admin URL) and Redis; CHECKPOINTD_VALIDATION_BACKEND=postgres without them
 * starts a throwaway PostgreSQL and Redis on loopback for the run, with the
 * workspace's test harness (@checkpointd/test-support, built by the root build).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let databaseUrl = process.env.CHECKPOINTD_VALIDATION_DATABASE_URL ?? "";
  let redisUrl = process.env.REDIS_URL ?? "";
  const started: Stoppable[] = [];
  if (process.env.CHECKPOINTD_VALIDATION_BACKEND === "postgres") {
    if (databaseUrl === "") {
      const { startPostgres } = await import("@checkpointd/test-support");
      const postgres = await startPostgres();
      started.push({ url: postgres.url, stop: () => postgres.destroy() });
      databaseUrl = postgres.url;
    }
    if (redisUrl === "") {
      const { startRedis } = await import("@checkpointd/test-support");
      const redis = await startRedis();
      started.push(redis);
      redisUrl = redis.url;
    }
  }
  // CHECKPOINTD_VALIDATION_TOKEN set: the servers take that API key only (admin role: the suite deletes threads),
  // and the savers send it (checkpointd-initializer.ts reads the same variable).
  const token = process.env.CHECKPOINTD_VALIDATION_TOKEN ?? "";
  let keysFile = "";
  if (token !== "") {
    const dir = await mkdtemp(join(tmpdir(), "checkpointd-validation-"));
    keysFile = join(dir, "keys.json");
    const sha256 = createHash("sha256").update(token).digest("hex");
    await writeFile(keysFile, JSON.stringify({ keys: [{ id: "validation", sha256, tenant: "validation", roles: ["admin"] }] }));
    started.push({ url: dir, stop: () => rm(dir, { recursive: true, force: true }) });
  }
  project.provide("validationKeysFile", keysFile);
  project.provide("validationDatabaseUrl", databaseUrl);
  project.provide("validationRedisUrl", redisUrl);
  return async () => {
    for (const s of started.reverse()) await s.stop();
  };
}
