import { setMaxListeners } from "node:events";
import { mkdir } from "node:fs/promises";
import { CheckpointService, file_checkpointd_v1_checkpoint_service } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { Logger } from "pino";
import type { CheckpointdConfig } from "./config/load-config.js";
import { ConfigError } from "./config/load-config.js";
import { settingDefaults } from "./config/setting-defaults.js";
import { settings } from "./config/settings.js";
import { authenticateService } from "./auth/authenticate-service.js";
import { createOpenAuthenticator, type Authenticator } from "./auth/authenticator.js";
import { configureAuth, type AuthSettings } from "./auth/configure-auth.js";
import { createCheckpointService } from "./service/checkpoint-service.js";
import { connectDatabase, migrateToLatest, type DatabaseHandle } from "./storage/connect-database.js";
import { guardStorage } from "./storage/guard-storage.js";
import { createCachedStorage } from "./cache/cached-storage.js";
import type { EventBus } from "./events/event-bus.js";
import { createEventHub } from "./events/event-hub.js";
import { createInProcessEventBus } from "./events/in-process-event-bus.js";
import { createPostgresEventBus } from "./events/postgres-event-bus.js";
import { createRedisEventBus } from "./events/redis-event-bus.js";
import type { CheckpointCache } from "./cache/checkpoint-cache.js";
import { createMemoryCache } from "./cache/memory-cache.js";
import { createRedisCache } from "./cache/redis-cache.js";
import type { Storage } from "./storage/checkpoint-storage.js";
import { createKyselyStorage } from "./storage/kysely-storage.js";
import { createGrpcJsService, type GrpcJsService } from "./transport/grpc-js-service.js";
import { startConnectServer } from "./transport/connect-server.js";
import { startGrpcJsServer } from "./transport/grpc-js-server.js";
import { createHealthService } from "./transport/health-service.js";
import { cacheHealthName, monitorHealth } from "./transport/monitor-health.js";
import { createReflectionService } from "./transport/reflection-service.js";
import { requireCredentials } from "./transport/require-credentials.js";
import type { RunningServer } from "./transport/running-server.js";

export type StartOptions = Pick<
  CheckpointdConfig,
  | "host"
  | "port"
  | "httpPort"
  | "corsOrigins"
  | "databaseUrl"
  | "dataDir"
  | "maxMessageBytes"
  | "shutdownGraceMs"
  | "cache"
  | "redisUrl"
  | "redisCluster"
  | "cacheTtlSeconds"
  | "cacheKeyPrefix"
  | "cacheMaxBytes"
  | "statsIntervalSeconds"
  | "heartbeatMs"
  | "streamStallMs"
> &
  Partial<Omit<AuthSettings, "host">> & {
    /**
     * Establishes who makes each call, instead of the `--auth-*` settings (default: those; none set, authentication
     * off: every call the default tenant).
     */
    authenticator?: Authenticator | undefined;
  };

export interface Checkpointd {
  port: number;
  /** The Connect/gRPC-Web port, when enabled. */
  httpPort: number | undefined;
  engine: DatabaseHandle["engine"];
  /** Graceful stop: in-flight calls get shutdownGraceMs, then pools close. */
  close(): Promise<void>;
  /** Re-reads the API keys file (SIGHUP); open connections stay. */
  reloadAuth(): Promise<void>;
}

/** Opens the database (PostgreSQL or embedded PGlite) and migrates it; a failure is a ConfigError naming the setting. */
export async function openDatabase(options: Pick<StartOptions, "databaseUrl" | "dataDir">, logger: Logger): Promise<DatabaseHandle> {
  const setting = options.databaseUrl === undefined ? settings.dataDir.flag : settings.databaseUrl.env;
  try {
    if (options.databaseUrl === undefined && !options.dataDir.startsWith("memory://")) {
      await mkdir(options.dataDir, { recursive: true });
    }
    const handle = await connectDatabase({
      databaseUrl: options.databaseUrl,
      dataDir: options.dataDir,
      onPoolError: (error) => logger.warn({ err: error.message }, "idle database connection failed; it will be replaced"),
    });
    try {
      const applied = await migrateToLatest(handle.db);
      logger.info({ engine: handle.engine, applied }, "database ready");
    } catch (error) {
      await handle.db.destroy().catch(() => undefined);
      throw error;
    }
    return handle;
  } catch (error) {
    const reason = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
    throw new ConfigError(`${setting}: cannot open the database: ${reason}`);
  }
}

export interface ServeOptions extends Pick<StartOptions, "host" | "port" | "maxMessageBytes" | "shutdownGraceMs" | "authenticator"> {
  /** Services (or packages) other than CheckpointService served without credentials (default: `--auth-public-services`'s). */
  publicServices?: readonly string[];
  /** Undefined: no Connect/gRPC-Web server. */
  httpPort?: number | undefined;
  corsOrigins?: readonly string[];
  /** The storage to serve, undecorated: serveStorage guards it and puts the cache in front (see decorateStorage). */
  storage: Storage;
  /** Reads go through it and writes invalidate it; undefined: no cache. */
  cache?: CheckpointCache | undefined;
  /** Log the cache counters this often; 0: never (default: `--stats-interval-seconds`'s). */
  statsIntervalSeconds?: number;
  logger: Logger;
  /** How often health pings the database (default 500 ms). */
  healthIntervalMs?: number;
  /** Tells watchers on every replica about new events (default: in-process only). */
  bus?: EventBus | undefined;
  /** Idle watch streams get a heartbeat this often (default: `--heartbeat-ms`'s). */
  heartbeatMs?: number;
  /**
   * A stream whose client reads nothing for this long ends (default: `--stream-stall-ms`'s): with RESOURCE_EXHAUSTED on
   * the gRPC port, reset on the Connect/gRPC-Web port (its status would sit behind the unread data).
   */
  streamStallMs?: number;
}

/**
 * The storage the service sees, decorated here and nowhere else: database
 * errors become client-safe codes and lost conflicts run again (guardStorage),
 * then reads go through the cache and writes invalidate it.
 */
function decorateStorage(storage: Storage, cache: CheckpointCache | undefined): Storage {
  const guarded = guardStorage(storage);
  return cache === undefined ? guarded : createCachedStorage(guarded, cache);
}

/**
 * Serves a storage over gRPC on `port` and, when `httpPort` is set, over
 * Connect, gRPC-Web and gRPC on `httpPort`. Closing stops both servers, then
 * closes the storage.
 */
export async function serveStorage(options: ServeOptions): Promise<Omit<Checkpointd, "engine" | "reloadAuth">> {
  const { cache, logger } = options;
  const streamStallMs = options.streamStallMs ?? settingDefaults.streamStallMs;
  const statsIntervalSeconds = options.statsIntervalSeconds ?? settingDefaults.statsIntervalSeconds;
  const storage = decorateStorage(options.storage, cache);
  const logError = (error: unknown, method: string) => logger.error({ err: error, method }, "call failed");
  const shutdown = new AbortController();
  // Every open stream listens for shutdown: as many listeners as streams is expected.
  setMaxListeners(0, shutdown.signal);
  const health = createHealthService([CheckpointService.typeName, ...(cache === undefined ? [] : [cacheHealthName])]);
  const bus = options.bus ?? createInProcessEventBus();
  const hub = createEventHub({ storage, bus, heartbeatMs: options.heartbeatMs ?? settingDefaults.heartbeatMs });
  const authenticator = options.authenticator ?? createOpenAuthenticator();
  const impl = authenticateService(CheckpointService, createCheckpointService(storage, hub, { logError }), authenticator);
  const guarded = (service: GrpcJsService) =>
    requireCredentials(service, authenticator, options.publicServices ?? settingDefaults.authPublicServices, logError);
  const servers: RunningServer[] = [];
  const stopServers = (graceMs: number) => Promise.all(servers.map((s) => s.shutdown(graceMs)));
  try {
    servers.push(
      await startGrpcJsServer({
        host: options.host,
        port: options.port,
        maxMessageBytes: options.maxMessageBytes,
        services: [
          createGrpcJsService(CheckpointService, impl, {
            logError,
            shutdownSignal: shutdown.signal,
            streamStallMs,
          }),
          guarded(health),
          ...createReflectionService([file_checkpointd_v1_checkpoint_service]).map(guarded),
        ],
      }),
    );
    if (options.httpPort !== undefined) {
      servers.push(
        await startConnectServer({
          host: options.host,
          port: options.httpPort,
          service: CheckpointService,
          impl,
          maxMessageBytes: options.maxMessageBytes,
          corsOrigins: options.corsOrigins ?? settingDefaults.corsOrigins,
          logError,
          streamStallMs,
          onStalled: (path) => logger.warn({ path }, "reset a stream whose client read nothing for the stall timeout"),
        }),
      );
    }
  } catch (error) {
    await stopServers(0);
    await bus.close();
    await storage.close();
    throw error;
  }
  const monitor = monitorHealth({
    storage,
    services: [CheckpointService.typeName],
    cache,
    health,
    logger,
    intervalMs: options.healthIntervalMs ?? 500,
  });
  const statsTimer =
    cache !== undefined && statsIntervalSeconds > 0
      ? setInterval(() => logger.info({ cache: cache.stats() }, "cache stats"), statsIntervalSeconds * 1000).unref()
      : undefined;
  const [grpc, http] = servers;
  logger.info({ host: options.host, port: grpc!.port, httpPort: http?.port }, "checkpointd listening");
  return {
    port: grpc!.port,
    httpPort: http?.port,
    async close() {
      monitor.stop();
      clearInterval(statsTimer);
      shutdown.abort();
      health.shutdown();
      await stopServers(options.shutdownGraceMs);
      await bus.close();
      await storage.close();
    },
  };
}

export async function startCheckpointd(options: StartOptions, logger: Logger): Promise<Checkpointd> {
  // Before the database: a server that must not start (secure by default, a bad keys file) touches nothing.
  const auth = options.authenticator === undefined ? await configureAuth(options, logger) : undefined;
  let handle: DatabaseHandle;
  try {
    handle = await openDatabase(options, logger);
  } catch (error) {
    auth?.close();
    throw error;
  }
  const storage = createKyselyStorage({ db: handle.db });
  const cache =
    options.cache === "off"
      ? undefined
      : options.redisUrl === undefined
        ? createMemoryCache({ maxBytes: options.cacheMaxBytes, ttlSeconds: options.cacheTtlSeconds })
        : createRedisCache({
            url: options.redisUrl,
            cluster: options.redisCluster,
            keyPrefix: options.cacheKeyPrefix,
            ttlSeconds: options.cacheTtlSeconds,
            logger,
          });
  // Watchers on every replica hear of new events: through Redis when there is one, else PostgreSQL's NOTIFY.
  const bus =
    options.redisUrl !== undefined
      ? createRedisEventBus({ url: options.redisUrl, cluster: options.redisCluster, logger })
      : options.databaseUrl !== undefined
        ? createPostgresEventBus({ databaseUrl: options.databaseUrl, logger })
        : createInProcessEventBus();
  let served;
  try {
    served = await serveStorage({
      ...options,
      storage,
      cache,
      bus,
      logger,
      authenticator: options.authenticator ?? auth!.authenticator,
      publicServices: auth?.publicServices ?? options.authPublicServices ?? settingDefaults.authPublicServices,
    });
  } catch (error) {
    auth?.close();
    throw error;
  }
  const { close } = served;
  return {
    ...served,
    engine: handle.engine,
    reloadAuth: () => auth?.reload() ?? Promise.resolve(),
    async close() {
      auth?.close();
      await close();
    },
  };
}
