export * from "./domain/checkpoint.js";
export { Code, ServiceError } from "./errors/service-error.js";
export { loadConfig, ConfigError, type CheckpointdConfig } from "./config/load-config.js";
export {
  startCheckpointd,
  serveStorage,
  openDatabase,
  type Checkpointd,
  type StartOptions,
  type ServeOptions,
} from "./start-checkpointd.js";
export type { CheckpointStorage } from "./storage/checkpoint-storage.js";
export { createKyselyStorage, type KyselyStorageOptions } from "./storage/kysely-storage.js";
export { guardStorage } from "./storage/guard-storage.js";
export { createDatabase, migrateToLatest, type DatabaseOptions } from "./storage/create-database.js";
export type { Database } from "./storage/database-schema.js";
export { createCheckpointService, type CheckpointServiceOptions } from "./service/checkpoint-service.js";
export { createBatchMethod, maxBatchCalls } from "./service/batch-method.js";
export type { ServiceImpl, HandlerContext } from "./service/service-impl.js";
export { createGrpcJsService } from "./transport/grpc-js-service.js";
export type { CheckpointCache, CacheStats } from "./cache/checkpoint-cache.js";
export { createCachedStorage } from "./cache/cached-storage.js";
export { createMemoryCache, type MemoryCacheOptions } from "./cache/memory-cache.js";
export { createRedisCache, type RedisCacheOptions } from "./cache/redis-cache.js";
export { startConnectServer, type ConnectServerOptions } from "./transport/connect-server.js";
