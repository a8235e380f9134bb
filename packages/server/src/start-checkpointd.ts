import { readTableSizes } from "./storage/read-table-sizes.js";
import type { IncomingMessage } from "node:http";
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
import { configureAuth, isLoopback, type AuthSettings } from "./auth/configure-auth.js";
import { loadMetricsToken, type MetricsToken } from "./auth/metrics-token.js";
import { createCheckpointService } from "./service/checkpoint-service.js";
import { createTenantScopes } from "./service/tenant-scopes.js";
import { connectDatabase, migrateToLatest, type DatabaseHandle } from "./storage/connect-database.js";
import { guardTenantStorage } from "./storage/guard-storage.js";
import { createCachedStorage } from "./cache/cached-storage.js";
import type { EventBus } from "./events/event-bus.js";
import { createEventHub } from "./events/event-hub.js";
import { createInProcessEventBus } from "./events/in-process-event-bus.js";
import { createSharedEventBus, createSharedRedisCache } from "./shared-services.js";
import type { CheckpointCache } from "./cache/checkpoint-cache.js";
import { createMemoryCache } from "./cache/memory-cache.js";
import { traceCache } from "./cache/traced-cache.js";
import type { TenantStorage } from "./storage/checkpoint-storage.js";
import { createKyselyStorage } from "./storage/kysely-storage.js";
import { createGrpcJsService, type GrpcJsService } from "./transport/grpc-js-service.js";
import { startConnectServer } from "./transport/connect-server.js";
import { startGrpcJsServer } from "./transport/grpc-js-server.js";
import { createHealthService } from "./transport/health-service.js";
import { cacheHealthName, monitorHealth } from "./transport/monitor-health.js";
import { createReflectionService } from "./transport/reflection-service.js";
import { requireCredentials } from "./transport/require-credentials.js";
import type { RunningServer } from "./transport/running-server.js";
import { checkTlsFiles, openTlsFiles } from "./transport/open-tls-files.js";
import type { TlsFiles } from "./transport/tls-files.js";
import { startMetricsServer } from "./transport/metrics-server.js";
import { createCallObserver } from "./transport/observe-calls.js";
import { createMetrics, type Metrics } from "./metrics/metrics.js";
import type { StorageMetrics } from "./metrics/storage-metrics.js";
import type { Tracing } from "./tracing/call-tracer.js";
import { startTracing } from "./tracing/start-tracing.js";
import { findInspectorDir } from "./transport/find-inspector-dir.js";
import { noRetention, type RetentionDefaults } from "./domain/retention-policy.js";
import { retentionDefaultsOf } from "./service/retention-defaults.js";
import { createSweeper, type Sweeper } from "./service/sweeper.js";
import { createSweepStore, type SweepStore } from "./storage/sweep-threads.js";
import { loadStaticFiles } from "./transport/static-files.js";

export type StartOptions = Pick<
  CheckpointdConfig,
  | "host"
  | "port"
  | "httpPort"
  | "corsOrigins"
  | "databaseUrl"
  | "databaseDirectUrl"
  | "dataDir"
  | "preparedStatements"
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
  | "tlsCertFile"
  | "tlsKeyFile"
  | "tlsClientCaFile"
  | "metricsPort"
  | "metricsTokenFile"
  | "metricsTenantLabels"
  | "slowCallMs"
  | "otel"
  | "retentionMaxVersions"
  | "retentionMaxAge"
  | "threadTtl"
  | "threadTtlStrategy"
  | "threadTtlRefreshOnRead"
  | "sweepInterval"
  | "sweepBatch"
> &
  Partial<Pick<CheckpointdConfig, "storageChunkThreshold" | "storageChunkTarget" | "storageCompression">> &
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
  /** The /metrics port, when enabled. */
  metricsPort: number | undefined;
  engine: DatabaseHandle["engine"];
  /** The retention sweeper of this replica, when it runs one. */
  sweeper: Sweeper | undefined;
  /** Graceful stop: in-flight calls get shutdownGraceMs, then pools close. */
  close(): Promise<void>;
  /** Re-reads the API keys file (SIGHUP); open connections stay. */
  reloadAuth(): Promise<void>;
}

/** Opens the database (PostgreSQL or embedded PGlite) and migrates it; a failure is a ConfigError naming the setting. */
export async function openDatabase(
  options: Pick<StartOptions, "databaseUrl" | "dataDir" | "preparedStatements">,
  logger: Logger,
  metrics?: StorageMetrics,
  tracing?: Tracing,
): Promise<DatabaseHandle> {
  const setting = options.databaseUrl === undefined ? settings.dataDir.flag : settings.databaseUrl.env;
  try {
    if (options.databaseUrl === undefined && !options.dataDir.startsWith("memory://")) {
      await mkdir(options.dataDir, { recursive: true });
    }
    const handle = await connectDatabase({
      databaseUrl: options.databaseUrl,
      dataDir: options.dataDir,
      onPoolError: (error) => logger.warn({ err: error.message }, "idle database connection failed; it will be replaced"),
      preparedStatements: options.preparedStatements,
      onPreparedStatementsRefused: (error) =>
        logger.warn(
          { err: error.message },
          `the database refused a named statement (a transaction-mode pooler?): statements run unnamed from now on; set ${settings.preparedStatements.flag} off to skip this`,
        ),
      metrics,
      onStatement: tracing?.statement,
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

export interface ServeOptions
  extends
    Pick<StartOptions, "host" | "port" | "maxMessageBytes" | "shutdownGraceMs" | "authenticator">,
    Partial<Pick<StartOptions, "tlsCertFile" | "tlsKeyFile" | "tlsClientCaFile">> {
  /** Services (or packages) other than CheckpointService served without credentials (default: `--auth-public-services`'s). */
  publicServices?: readonly string[];
  /** Undefined: no Connect/gRPC-Web server. */
  httpPort?: number | undefined;
  corsOrigins?: readonly string[];
  /** The storage to serve, undecorated: serveStorage guards it and puts the cache in front (see decorateStorage). */
  storage: TenantStorage;
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
  /** How often the TLS files are checked for a change (default 1 000 ms). */
  tlsPollMs?: number;
  /** Where calls, cache, storage and Watch are counted; undefined: nothing is (unless the stats line needs it). */
  metrics?: Metrics | undefined;
  /** Serve `metrics` at /metrics on this port of `host`; undefined: no metrics server. */
  metricsPort?: number | undefined;
  /** Whether a scrape may read /metrics (a bearer token); undefined: every scrape may. */
  metricsAuthorize?: ((request: IncomingMessage) => boolean) | undefined;
  /** Server spans for every call (flushed and stopped on close); undefined: no tracing. */
  tracing?: Tracing | undefined;
  /** Log a call slower than this (default: `--slow-call-ms`'s). */
  slowCallMs?: number;
  /** The web inspector's built files, served at /ui/ on httpPort (default: the installed @checkpointd/inspector; false: none). */
  inspectorDir?: string | false;
  /** The retention defaults GetThread shows and the sweeper applies (default: none, keep everything). */
  retention?: RetentionDefaults;
  /** Run the retention sweeper on this store (every intervalMs, at most batch threads a pass); undefined: no sweeper. */
  sweeper?: { store: SweepStore; intervalMs: number; batch: number; holder?: string } | undefined;
}

/**
 * The storage the service sees, decorated here and nowhere else: database
 * errors become client-safe codes and lost conflicts run again (guardStorage),
 * then reads go through the cache and writes invalidate it.
 */
function decorateStorage(storage: TenantStorage, cache: CheckpointCache | undefined, metrics: Metrics | undefined): TenantStorage {
  const guarded = guardTenantStorage(storage, metrics?.storage);
  return cache === undefined ? guarded : createCachedStorage(guarded, cache);
}

/**
 * Serves a storage over gRPC on `port` and, when `httpPort` is set, over
 * Connect, gRPC-Web and gRPC on `httpPort`. Closing stops both servers, then
 * closes the storage.
 */
export async function serveStorage(options: ServeOptions): Promise<Omit<Checkpointd, "engine" | "reloadAuth">> {
  const retention = options.retention ?? noRetention;
  const { cache, logger } = options;
  let tls: TlsFiles | undefined;
  const streamStallMs = options.streamStallMs ?? settingDefaults.streamStallMs;
  const statsIntervalSeconds = options.statsIntervalSeconds ?? settingDefaults.statsIntervalSeconds;
  // The stats line reads the registry: a server without metrics gets one for the cache alone.
  const metrics = options.metrics ?? (cache !== undefined && statsIntervalSeconds > 0 ? createMetrics({ nodeMetrics: false }) : undefined);
  if (cache !== undefined) metrics?.observeCache(() => cache.stats());
  const storage = decorateStorage(options.storage, cache, metrics);
  const observer = createCallObserver({
    logger,
    metrics,
    tracer: options.tracing?.calls,
    slowCallMs: options.slowCallMs ?? settingDefaults.slowCallMs,
  });
  const { logError } = observer;
  const shutdown = new AbortController();
  // Every open stream listens for shutdown: as many listeners as streams is expected.
  setMaxListeners(0, shutdown.signal);
  const health = createHealthService([CheckpointService.typeName, ...(cache === undefined ? [] : [cacheHealthName])]);
  const bus = options.bus ?? createInProcessEventBus();
  const hub = createEventHub({ storage, bus, heartbeatMs: options.heartbeatMs ?? settingDefaults.heartbeatMs, metrics: metrics?.watch });
  const authenticator = options.authenticator ?? createOpenAuthenticator();
  // transport -> observer (every call counted, refused ones too) -> authentication -> service.
  const impl = observer.wrap(
    CheckpointService,
    authenticateService(
      CheckpointService,
      createCheckpointService(createTenantScopes(storage, hub), { logError, retention }),
      authenticator,
    ),
  );
  const guarded = (service: GrpcJsService) =>
    requireCredentials(service, authenticator, options.publicServices ?? settingDefaults.authPublicServices, logError);
  const onStalled = metrics === undefined ? undefined : () => metrics.watch.stalledStreams.inc();
  const servers: RunningServer[] = [];
  const stopServers = (graceMs: number) => Promise.all(servers.map((s) => s.shutdown(graceMs)));
  try {
    tls = openTlsFiles(options, logger, options.tlsPollMs);
    servers.push(
      await startGrpcJsServer({
        host: options.host,
        port: options.port,
        maxMessageBytes: options.maxMessageBytes,
        tls,
        services: [
          createGrpcJsService(CheckpointService, impl, {
            logError,
            shutdownSignal: shutdown.signal,
            streamStallMs,
            onStalled,
          }),
          guarded(health),
          ...createReflectionService([file_checkpointd_v1_checkpoint_service]).map(guarded),
        ],
      }),
    );
    if (options.httpPort !== undefined) {
      const inspectorDir = options.inspectorDir === undefined ? findInspectorDir() : options.inspectorDir;
      if (inspectorDir === undefined) logger.warn("the web inspector is not built: /ui/ answers 404 (run `pnpm run build`)");
      const staticFiles =
        inspectorDir === false || inspectorDir === undefined ? undefined : await loadStaticFiles({ dir: inspectorDir, prefix: "/ui/" });
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
          tls,
          onStalled: (path) => {
            onStalled?.();
            logger.warn({ path }, "reset a stream whose client read nothing for the stall timeout");
          },
          staticFiles,
        }),
      );
    }
    if (options.metricsPort !== undefined && metrics !== undefined) {
      servers.push(
        await startMetricsServer({
          host: options.host,
          port: options.metricsPort,
          registry: metrics.registry,
          authorize: options.metricsAuthorize,
        }),
      );
    }
  } catch (error) {
    await stopServers(0);
    tls?.close();
    await bus.close();
    await storage.close();
    await options.tracing?.shutdown();
    throw error;
  }
  const sweeper =
    options.sweeper === undefined
      ? undefined
      : createSweeper({
          ...options.sweeper,
          defaults: retention,
          logger: logger.child({ component: "sweeper" }),
          metrics: metrics?.sweeper,
          async afterChange(tenant, threadId) {
            await cache?.invalidateThread(tenant, threadId);
            hub.forTenant(tenant).publish(threadId);
          },
        });
  sweeper?.start();
  const monitor = monitorHealth({
    storage,
    services: [CheckpointService.typeName],
    cache,
    health,
    logger,
    intervalMs: options.healthIntervalMs ?? 500,
  });
  const statsTimer =
    cache !== undefined && metrics !== undefined && statsIntervalSeconds > 0
      ? setInterval(() => {
          metrics.cacheSnapshot().then(
            (counters) => logger.info({ cache: counters }, "cache stats"),
            (error: unknown) => logger.warn({ err: error }, "cannot read the cache counters"),
          );
        }, statsIntervalSeconds * 1000).unref()
      : undefined;
  const grpc = servers[0]!;
  const http = options.httpPort === undefined ? undefined : servers[1];
  const metricsServer = options.metricsPort !== undefined && metrics !== undefined ? servers.at(-1) : undefined;
  logger.info(
    {
      host: options.host,
      port: grpc.port,
      httpPort: http?.port,
      metricsPort: metricsServer?.port,
      tls: tls !== undefined,
      clientCertificates: tls?.requireClientCertificate ?? false,
    },
    "checkpointd listening",
  );
  return {
    port: grpc.port,
    httpPort: http?.port,
    metricsPort: metricsServer?.port,
    sweeper,
    async close() {
      await sweeper?.stop();
      monitor.stop();
      clearInterval(statsTimer);
      shutdown.abort();
      health.shutdown();
      await stopServers(options.shutdownGraceMs);
      tls?.close();
      await bus.close();
      await storage.close();
      await options.tracing?.shutdown();
    },
  };
}

export async function startCheckpointd(options: StartOptions, logger: Logger): Promise<Checkpointd> {
  // Before the database: a server that must not start (unusable TLS files, secure by default, a bad keys file) touches nothing.
  checkTlsFiles(options);
  const auth = options.authenticator === undefined ? await configureAuth(options, logger) : undefined;
  const metrics =
    options.metricsPort !== undefined || options.statsIntervalSeconds > 0
      ? createMetrics({ tenantLabels: options.metricsTenantLabels })
      : undefined;
  let handle: DatabaseHandle;
  let tracing: Tracing | undefined;
  let metricsToken: MetricsToken | undefined;
  try {
    metricsToken = await openMetricsToken(options, auth !== undefined && auth.enabled, logger);
    tracing = await startTracing({ enabled: options.otel, env: process.env });
    if (tracing !== undefined) logger.info("OpenTelemetry tracing on (OTLP/HTTP, configured by OTEL_* variables)");
    handle = await openDatabase(options, logger, metrics?.storage, tracing);
  } catch (error) {
    auth?.close();
    metricsToken?.close();
    throw error;
  }
  const traced = (redisCache: CheckpointCache) => (tracing === undefined ? redisCache : traceCache(redisCache, tracing.spans));
  metrics?.storage.observeTableSizes(() => readTableSizes(handle.db));
  const storage = createKyselyStorage({
    db: handle.db,
    metrics: metrics?.storage,
    tracer: tracing?.groups,
    chunking: {
      // A library caller that leaves these out gets the defaults; `off` (undefined) must stay off.
      threshold: "storageChunkThreshold" in options ? options.storageChunkThreshold : settingDefaults.storageChunkThreshold,
      target: options.storageChunkTarget ?? settingDefaults.storageChunkTarget,
      compression: options.storageCompression ?? settingDefaults.storageCompression,
    },
  });
  const cache =
    options.cache === "off"
      ? undefined
      : options.redisUrl === undefined
        ? createMemoryCache({ maxBytes: options.cacheMaxBytes, ttlSeconds: options.cacheTtlSeconds })
        : traced(createSharedRedisCache({ ...options, redisUrl: options.redisUrl }, handle.db, logger));
  const bus = createSharedEventBus(options, logger) ?? createInProcessEventBus();
  let served;
  try {
    served = await serveStorage({
      ...options,
      storage,
      cache,
      bus,
      logger,
      metrics,
      tracing,
      authenticator: options.authenticator ?? auth!.authenticator,
      retention: retentionDefaultsOf(options),
      sweeper: { store: createSweepStore(handle.db), intervalMs: options.sweepInterval, batch: options.sweepBatch },
      publicServices: auth?.publicServices ?? options.authPublicServices ?? settingDefaults.authPublicServices,
      metricsAuthorize: metricsToken === undefined ? undefined : (request) => metricsToken.allows(request.headers.authorization),
    });
  } catch (error) {
    auth?.close();
    metricsToken?.close();
    throw error;
  }
  const { close } = served;
  return {
    ...served,
    engine: handle.engine,
    reloadAuth: () => auth?.reload() ?? Promise.resolve(),
    async close() {
      auth?.close();
      metricsToken?.close();
      await close();
    },
  };
}

/**
 * The token /metrics asks scrapes for (`--metrics-token-file`); a file that cannot be read stops the
 * start with one line. Without one, a metrics port any machine may reach on an authenticated server is
 * worth a warning: the counts name no tenant or thread, but they are the server's.
 */
async function openMetricsToken(
  options: Pick<StartOptions, "metricsPort" | "metricsTokenFile" | "host">,
  authenticated: boolean,
  logger: Logger,
): Promise<MetricsToken | undefined> {
  if (options.metricsPort === undefined) return undefined;
  if (options.metricsTokenFile === undefined) {
    if (authenticated && !isLoopback(options.host)) {
      logger.warn(
        { host: options.host, metricsPort: options.metricsPort },
        `/metrics is open to anyone who reaches the port: set ${settings.metricsTokenFile.flag}, or ${settings.metricsPort.flag} off`,
      );
    }
    return undefined;
  }
  try {
    return await loadMetricsToken({ path: options.metricsTokenFile, logger });
  } catch (error) {
    throw new ConfigError(`${settings.metricsTokenFile.flag}: ${options.metricsTokenFile}: ${(error as Error).message}`);
  }
}
