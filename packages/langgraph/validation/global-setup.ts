import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL the savers' servers get their databases on; "" for embedded PGlite. */
    validationDatabaseUrl: string;
    /** Redis for the servers' L1 cache; "" for the in-process cache. */
    validationRedisUrl: string;
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
  project.provide("validationDatabaseUrl", databaseUrl);
  project.provide("validationRedisUrl", redisUrl);
  return async () => {
    for (const s of started.reverse()) await s.stop();
  };
}
