import { Cluster, Redis, type RedisOptions } from "ioredis";

/** A standalone Redis or a Redis Cluster: the cache and the event bus take either. */
export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  url: string;
  /** Treat `url` as one node of a Redis Cluster. */
  cluster?: boolean | undefined;
  /** A command that takes longer fails. */
  commandTimeoutMs: number;
  /** The commands of one event-loop turn go in one write. */
  autoPipelining: boolean;
  /** Subscribe again by itself after a reconnect (ioredis' default: true). */
  autoResubscribe?: boolean;
}

/**
 * An ioredis client that fails fast while Redis is away: no offline queue,
 * no retry of a failed command, reconnects after 100 ms times the attempt (at
 * most 1 s). Callers treat a failed command as an outage.
 */
export function createRedisClient(options: RedisClientOptions): RedisClient {
  const redisOptions: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(100 * attempt, 1_000),
    autoResubscribe: options.autoResubscribe ?? true,
    lazyConnect: false,
  };
  // No cluster ready check: without an offline queue its CLUSTER INFO, sent to a random node, fails while
  // the other nodes are still connecting and the client reconnects over and over. The slots refresh suffices.
  return options.cluster === true
    ? new Cluster([options.url], {
        enableOfflineQueue: false,
        enableReadyCheck: false,
        enableAutoPipelining: options.autoPipelining,
        redisOptions,
      })
    : new Redis(options.url, { ...redisOptions, enableAutoPipelining: options.autoPipelining });
}
