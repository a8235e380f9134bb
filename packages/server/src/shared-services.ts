import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { CheckpointdConfig } from "./config/load-config.js";
import { createCacheFence } from "./cache/cache-fence.js";
import type { CheckpointCache } from "./cache/checkpoint-cache.js";
import { createRedisCache } from "./cache/redis-cache.js";
import type { EventBus } from "./events/event-bus.js";
import { createPostgresEventBus } from "./events/postgres-event-bus.js";
import { createRedisEventBus } from "./events/redis-event-bus.js";
import { createCacheFenceStore } from "./storage/cache-fence-store.js";
import type { Database } from "./storage/database-schema.js";

type SharedSettings = Pick<
  CheckpointdConfig,
  "redisUrl" | "redisCluster" | "cacheKeyPrefix" | "cacheTtlSeconds" | "databaseUrl" | "databaseDirectUrl"
>;

/**
 * The Redis L1 every replica shares, as the settings name it: one place for what a server and
 * `checkpointd sweep` both open. Replicas share Redis, so its invalidations are fenced through
 * PostgreSQL: one replica cut off Redis must not leave entries stale for the others.
 */
export function createSharedRedisCache(
  settings: SharedSettings & { redisUrl: string },
  db: Kysely<Database>,
  logger: Logger,
): CheckpointCache {
  return createRedisCache({
    url: settings.redisUrl,
    cluster: settings.redisCluster,
    keyPrefix: settings.cacheKeyPrefix,
    ttlSeconds: settings.cacheTtlSeconds,
    fence: createCacheFence({ store: createCacheFenceStore(db), logger }),
    logger,
  });
}

/**
 * The bus every replica's watchers hear new events on: Redis when there is one, else PostgreSQL's
 * NOTIFY (on the direct URL behind a pooler); undefined for the embedded PGlite, whose bus is the
 * process's own.
 */
export function createSharedEventBus(settings: SharedSettings, logger: Logger): EventBus | undefined {
  if (settings.redisUrl !== undefined) return createRedisEventBus({ url: settings.redisUrl, cluster: settings.redisCluster, logger });
  if (settings.databaseUrl !== undefined) {
    return createPostgresEventBus({ databaseUrl: settings.databaseDirectUrl ?? settings.databaseUrl, logger });
  }
  return undefined;
}
