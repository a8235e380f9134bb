export * from "./domain/checkpoint.js";
export type * from "./domain/thread-event.js";
export { Code, ServiceError, type ErrorLogger } from "./errors/service-error.js";
export { loadConfig, ConfigError, type CheckpointdConfig } from "./config/load-config.js";
export {
  startCheckpointd,
  serveStorage,
  openDatabase,
  type Checkpointd,
  type StartOptions,
  type ServeOptions,
} from "./start-checkpointd.js";
export type {
  Storage,
  TenantStorage,
  CheckpointStorage,
  PutCheckpointInput,
  PutWritesInput,
  TupleQuery,
  ListQuery,
  PruneStrategy,
  DeleteForRunsResult,
} from "./storage/checkpoint-storage.js";
export type { EventStorage, NewResume, ClaimInput } from "./storage/event-storage.js";
export type { Database } from "./storage/database-schema.js";
export type { EventBus } from "./events/event-bus.js";
export type { EventHub, TenantEventHub } from "./events/event-hub.js";
export { threadTopic } from "./events/thread-topic.js";
export { createKyselyStorage, type KyselyStorageOptions, type StorageChunking } from "./storage/kysely-storage.js";
export { guardStorage, guardTenantStorage } from "./storage/guard-storage.js";
export { connectDatabase, migrateToLatest, type DatabaseOptions, type DatabaseHandle } from "./storage/connect-database.js";
export { createCheckpointService, type CheckpointServiceOptions } from "./service/checkpoint-service.js";
export { createTenantScopes, type TenantScope } from "./service/tenant-scopes.js";
export { createBatchMethod, maxBatchCalls } from "./service/batch-method.js";
export type { ServiceImpl, HandlerContext } from "./service/service-impl.js";
export { DEFAULT_TENANT, roles, unauthenticatedIdentity, type CallIdentity, type Role } from "./domain/call-identity.js";
export { authenticateService } from "./auth/authenticate-service.js";
export { createOpenAuthenticator, type Authenticator, type CallScope } from "./auth/authenticator.js";
export { configureAuth, type AuthSettings, type ConfiguredAuth } from "./auth/configure-auth.js";
export { createCredentialAuthenticator, type CredentialAuthenticatorOptions } from "./auth/credential-authenticator.js";
export { createApiKeyStore, type ApiKeyStore, type ApiKeyStoreOptions } from "./auth/api-key-store.js";
export { createJwtVerifier, type JwtVerifier, type JwtVerifierOptions } from "./auth/jwt-verifier.js";
export { createAuditLog, type AuditLog } from "./auth/audit-log.js";
export { createRateLimiter, createStreamCap, type RateLimiter, type StreamCap } from "./auth/rate-limiter.js";
export { methodRoles } from "./auth/method-roles.js";
export type { CallCredentials, TransportContext, TransportImpl } from "./auth/transport-context.js";
export { createGrpcJsService, type GrpcJsService, type GrpcJsServiceOptions } from "./transport/grpc-js-service.js";
export type { CheckpointCache, CacheStats, CacheRead, CacheToken } from "./cache/checkpoint-cache.js";
export { createCachedStorage } from "./cache/cached-storage.js";
export { createMemoryCache, type MemoryCacheOptions } from "./cache/memory-cache.js";
export { createRedisCache, type RedisCacheOptions } from "./cache/redis-cache.js";
export { startConnectServer, type ConnectServerOptions } from "./transport/connect-server.js";
export type { RunningServer } from "./transport/running-server.js";
export { createMetrics, type Metrics, type MetricsOptions } from "./metrics/metrics.js";
export type { SweeperMetrics, SweepPassCounts, SweepPassOutcome } from "./metrics/sweeper-metrics.js";
export { startTracing, tracingEnabled, type TracingOptions } from "./tracing/start-tracing.js";
export type { Tracing, CallTracer, CallSpan } from "./tracing/call-tracer.js";
export * from "./domain/retention-policy.js";
export { createSweepStore, LeaseLostError, type SweepStore, type SweepCandidate, type ThreadSweep } from "./storage/sweep-threads.js";
export { createSweeper, type Sweeper, type SweeperOptions, type SweepPassResult } from "./service/sweeper.js";
export { retentionDefaultsOf } from "./service/retention-defaults.js";
