import { defineSettings, type SettingValues } from "./define-settings.js";
import { integer, port, portOrOff } from "./number-parsers.js";
import { boolean, list, oneOf, path, text, url } from "./setting-parser.js";

const MiB = 1024 * 1024;

/**
 * Every setting of the server, once. The usage text (render-usage.ts), the parsed config
 * (load-config.ts), the defaults components fall back on (setting-defaults.ts) and the README's
 * configuration table (readme-settings.ts, `pnpm settings:readme`) are all produced from it.
 * The key is the config property.
 */
export const settings = defineSettings({
  host: {
    flag: "--host",
    env: "HOST",
    default: "127.0.0.1",
    parse: text({ metavar: "HOST", nonEmpty: true }),
    help: "listen address of both ports",
    group: "Listening",
  },
  port: {
    flag: "--port",
    env: "PORT",
    default: "50051",
    parse: port(),
    help: "gRPC port (`0` picks a free one)",
    group: "Listening",
  },
  httpPort: {
    flag: "--http-port",
    env: "HTTP_PORT",
    default: "8080",
    parse: portOrOff(),
    help: "Connect, gRPC-Web and gRPC over HTTP/1.1 and h2c; `off` disables",
    group: "Listening",
  },
  corsOrigins: {
    flag: "--cors-origins",
    env: "CORS_ORIGINS",
    default: "",
    shownDefault: "none",
    parse: list(),
    help: "comma-separated origins browsers may call from; `*` for any",
    group: "Listening",
  },
  maxMessageBytes: {
    flag: "--max-message-bytes",
    env: "MAX_MESSAGE_BYTES",
    default: String(16 * MiB),
    parse: integer(1024, 2 ** 31 - 1),
    help: "largest request or response",
    group: "Listening",
  },
  shutdownGraceMs: {
    flag: "--shutdown-grace-ms",
    env: "SHUTDOWN_GRACE_MS",
    default: "10000",
    parse: integer(0, 600_000),
    help: "time in-flight calls get on SIGTERM/SIGINT",
    group: "Listening",
  },
  databaseUrl: {
    flag: "--database-url",
    env: "DATABASE_URL",
    default: "",
    parse: url(["postgres", "postgresql"], "postgres://user:password@host:port/database"),
    help: "`postgres://` URL; unset = embedded PGlite",
    group: "Database",
  },
  databaseDirectUrl: {
    flag: "--database-direct-url",
    env: "DATABASE_DIRECT_URL",
    default: "",
    parse: url(["postgres", "postgresql"], "postgres://user:password@host:port/database"),
    help: "`postgres://` URL for `LISTEN/NOTIFY` when `DATABASE_URL` goes through a transaction-mode pooler; unset = `DATABASE_URL`",
    group: "Database",
  },
  dataDir: {
    flag: "--data-dir",
    env: "CHECKPOINTD_DATA_DIR",
    default: "./.data/pglite",
    parse: path("DIR"),
    help: "PGlite data directory (`memory://` for none)",
    group: "Database",
  },
  preparedStatements: {
    flag: "--prepared-statements",
    env: "PREPARED_STATEMENTS",
    default: "auto",
    parse: oneOf(["auto", "off"]),
    help: "`auto` names repeated statements: PostgreSQL parses and plans each once per connection (stops by itself behind a transaction-mode pooler); `off`: none",
    group: "Database",
  },
  cache: {
    flag: "--cache",
    env: "CACHE",
    default: "auto",
    parse: oneOf(["auto", "off"]),
    help: "L1 cache: `auto` is Redis when `REDIS_URL` is set, else in-process; `off` for none",
    group: "Cache",
  },
  redisUrl: {
    flag: "--redis-url",
    env: "REDIS_URL",
    default: "",
    parse: url(["redis", "rediss"], "redis://[:password@]host:port[/db]"),
    help: "`redis://` URL of the L1 cache (and the event bus); unset = in-process LRU",
    group: "Cache",
  },
  redisCluster: {
    flag: "--redis-cluster",
    env: "REDIS_CLUSTER",
    default: "false",
    parse: boolean(),
    help: "`REDIS_URL` names a node of a Redis Cluster",
    group: "Cache",
  },
  cacheTtlSeconds: {
    flag: "--cache-ttl-seconds",
    env: "CACHE_TTL_SECONDS",
    default: "86400",
    parse: integer(1, 365 * 86_400),
    help: "cache entry lifetime in seconds",
    group: "Cache",
  },
  cacheKeyPrefix: {
    flag: "--cache-key-prefix",
    env: "CACHE_KEY_PREFIX",
    default: "cpd:",
    parse: text({ metavar: "PREFIX" }),
    help: "Redis key prefix",
    group: "Cache",
  },
  cacheMaxBytes: {
    flag: "--cache-max-bytes",
    env: "CACHE_MAX_BYTES",
    default: String(64 * MiB),
    parse: integer(MiB, 2 ** 40),
    help: "bound of the in-process cache",
    group: "Cache",
  },
  statsIntervalSeconds: {
    flag: "--stats-interval-seconds",
    env: "STATS_INTERVAL_SECONDS",
    default: "0",
    parse: integer(0, 86_400),
    help: "log cache counters every N seconds (`0`: never)",
    group: "Cache",
  },
  heartbeatMs: {
    flag: "--heartbeat-ms",
    env: "HEARTBEAT_MS",
    default: "5000",
    parse: integer(10, 3_600_000),
    help: "heartbeat on idle `Watch`/`Subscribe` streams (and a re-read of the event log)",
    group: "Streams",
  },
  streamStallMs: {
    flag: "--stream-stall-ms",
    env: "STREAM_STALL_MS",
    default: "30000",
    parse: integer(10, 3_600_000),
    help: "a stream whose client reads nothing this long ends with `RESOURCE_EXHAUSTED` (reset on the Connect/gRPC-Web port)",
    group: "Streams",
  },
  logLevel: {
    flag: "--log-level",
    env: "LOG_LEVEL",
    default: "info",
    parse: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"], "LEVEL"),
    help: "log verbosity (pino JSON on stdout)",
    group: "Logging",
  },
});

export type Settings = typeof settings;
export type SettingName = keyof Settings;
/** The value of every setting, typed by its parser. */
export type SettingsValues = SettingValues<Settings>;
