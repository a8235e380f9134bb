import { parseArgs } from "node:util";

export interface CheckpointdConfig {
  command: "serve" | "migrate" | "health" | "help";
  host: string;
  port: number;
  /** Undefined: embedded PGlite in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  maxMessageBytes: number;
  shutdownGraceMs: number;
  /** Connect, gRPC-Web and gRPC over HTTP/1.1 and h2c; undefined when switched off. */
  httpPort: number | undefined;
  corsOrigins: string[];
  /** "auto": Redis when redisUrl is set, else the in-process LRU; "off": no cache. */
  cache: "auto" | "off";
  /** Undefined: the in-process LRU cache. */
  redisUrl: string | undefined;
  redisCluster: boolean;
  cacheTtlSeconds: number;
  cacheKeyPrefix: string;
  cacheMaxBytes: number;
  /** Log cache counters this often; 0 = never. */
  statsIntervalSeconds: number;
  /** Idle Watch/Subscribe streams get a heartbeat this often. */
  heartbeatMs: number;
  /** A stream whose client reads nothing for this long ends with RESOURCE_EXHAUSTED. */
  streamStallMs: number;
}

/** Bad configuration: the message names the setting. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export const usage = `Usage: checkpointd [serve|migrate|health] [options]

Commands:
  serve               run the gRPC server (default)
  migrate             bring the database schema up to date and exit
  health              ask the server at --host/--port for its health; exit 0 if SERVING

Options (flag, then environment variable):
  --host HOST                 HOST                  listen address (default 127.0.0.1)
  --port PORT                 PORT                  gRPC port (default 50051; 0 picks a free one)
  --http-port PORT            HTTP_PORT             Connect/gRPC-Web port (default 8080; "off" disables)
  --cors-origins LIST         CORS_ORIGINS          comma-separated origins browsers may call from ("*": any; default none)
  --database-url URL          DATABASE_URL          postgres:// URL; unset = embedded PGlite
  --data-dir DIR              CHECKPOINTD_DATA_DIR  PGlite data directory (default ./.data/pglite)
  --cache auto|off            CACHE                 L1 cache: auto (Redis if REDIS_URL, else in-process; default) or off
  --redis-url URL             REDIS_URL             redis:// URL of the L1 cache; unset = in-process LRU
  --redis-cluster             REDIS_CLUSTER=true    REDIS_URL names a node of a Redis Cluster
  --cache-ttl-seconds N       CACHE_TTL_SECONDS     cache entry lifetime (default 86400)
  --cache-key-prefix P        CACHE_KEY_PREFIX      Redis key prefix (default cpd:)
  --cache-max-bytes N         CACHE_MAX_BYTES       in-process LRU bound (default 67108864)
  --stats-interval-seconds N  STATS_INTERVAL_SECONDS  log cache counters every N s (default 0: never)
  --log-level LEVEL           LOG_LEVEL             fatal|error|warn|info|debug|trace|silent (default info)
  --max-message-bytes N       MAX_MESSAGE_BYTES     largest gRPC message (default 16777216)
  --shutdown-grace-ms N       SHUTDOWN_GRACE_MS     time in-flight calls get on SIGTERM (default 10000)
  --heartbeat-ms N            HEARTBEAT_MS          heartbeat on idle Watch/Subscribe streams (default 5000)
  --stream-stall-ms N         STREAM_STALL_MS       end a stream whose client stopped reading (default 30000)
  -h, --help                  this text
`;

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function integer(raw: string, setting: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${setting}: expected an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

/** A URL setting: unset or empty is undefined; otherwise it must parse and use one of the schemes. */
function urlSetting(raw: string | undefined, setting: string, schemes: readonly string[], example: string): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${setting}: not a valid URL (expected ${example})`);
  }
  if (!schemes.includes(url.protocol.slice(0, -1))) {
    throw new ConfigError(`${setting}: expected a ${schemes.map((s) => `${s}://`).join(" or ")} URL, got "${url.protocol}//"`);
  }
  return raw;
}

function booleanSetting(raw: string | boolean, setting: string): boolean {
  if (typeof raw === "boolean") return raw;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off|)$/i.test(raw)) return false;
  throw new ConfigError(`${setting}: expected true or false, got "${raw}"`);
}

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): CheckpointdConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        "http-port": { type: "string" },
        "cors-origins": { type: "string" },
        "database-url": { type: "string" },
        "data-dir": { type: "string" },
        cache: { type: "string" },
        "redis-url": { type: "string" },
        "redis-cluster": { type: "boolean" },
        "cache-ttl-seconds": { type: "string" },
        "cache-key-prefix": { type: "string" },
        "cache-max-bytes": { type: "string" },
        "stats-interval-seconds": { type: "string" },
        "log-level": { type: "string" },
        "max-message-bytes": { type: "string" },
        "shutdown-grace-ms": { type: "string" },
        "heartbeat-ms": { type: "string" },
        "stream-stall-ms": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new ConfigError(`arguments: ${(error as Error).message} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new ConfigError(`arguments: unexpected "${positionals.slice(1).join(" ")}" (see --help)`);
  const command = positionals[0] ?? "serve";
  if (command !== "serve" && command !== "migrate" && command !== "health") {
    throw new ConfigError(`command: unknown command "${command}" (serve, migrate or health)`);
  }

  const pick = (flag: string | undefined, name: string, fallback: string) => ({
    raw: flag ?? env[name] ?? fallback,
    setting: flag !== undefined ? `--${name.toLowerCase().replaceAll("_", "-")}` : name,
  });
  const port = pick(values.port, "PORT", "50051");
  const httpPort = pick(values["http-port"], "HTTP_PORT", "8080");
  const cors = values["cors-origins"] ?? env.CORS_ORIGINS ?? "";
  const maxMessage = pick(values["max-message-bytes"], "MAX_MESSAGE_BYTES", String(16 * 1024 * 1024));
  const grace = pick(values["shutdown-grace-ms"], "SHUTDOWN_GRACE_MS", "10000");
  const heartbeat = pick(values["heartbeat-ms"], "HEARTBEAT_MS", "5000");
  const stall = pick(values["stream-stall-ms"], "STREAM_STALL_MS", "30000");
  const level = pick(values["log-level"], "LOG_LEVEL", "info");
  if (!(logLevels as readonly string[]).includes(level.raw)) {
    throw new ConfigError(`${level.setting}: expected one of ${logLevels.join(", ")}, got "${level.raw}"`);
  }
  const host = values.host ?? env.HOST ?? "127.0.0.1";
  const cacheTtl = pick(values["cache-ttl-seconds"], "CACHE_TTL_SECONDS", "86400");
  const cacheMax = pick(values["cache-max-bytes"], "CACHE_MAX_BYTES", String(64 * 1024 * 1024));
  const statsInterval = pick(values["stats-interval-seconds"], "STATS_INTERVAL_SECONDS", "0");
  const redisCluster = values["redis-cluster"] ?? env.REDIS_CLUSTER ?? "false";
  const cache = pick(values.cache, "CACHE", "auto");
  if (cache.raw !== "auto" && cache.raw !== "off") throw new ConfigError(`${cache.setting}: expected auto or off, got "${cache.raw}"`);
  if (host.trim() === "") throw new ConfigError(`${values.host !== undefined ? "--host" : "HOST"}: must not be empty`);

  return {
    command: values.help === true ? "help" : command,
    host,
    port: integer(port.raw, port.setting, 0, 65535),
    httpPort: httpPort.raw === "off" ? undefined : integer(httpPort.raw, httpPort.setting, 0, 65535),
    corsOrigins: cors
      .split(",")
      .map((o) => o.trim())
      .filter((o) => o !== ""),
    databaseUrl: urlSetting(
      values["database-url"] ?? env.DATABASE_URL,
      values["database-url"] !== undefined ? "--database-url" : "DATABASE_URL",
      ["postgres", "postgresql"],
      "postgres://user:password@host:port/database",
    ),
    dataDir: values["data-dir"] ?? env.CHECKPOINTD_DATA_DIR ?? "./.data/pglite",
    cache: cache.raw,
    redisUrl: urlSetting(
      values["redis-url"] ?? env.REDIS_URL,
      values["redis-url"] !== undefined ? "--redis-url" : "REDIS_URL",
      ["redis", "rediss"],
      "redis://[:password@]host:port[/db]",
    ),
    redisCluster: booleanSetting(redisCluster, "REDIS_CLUSTER"),
    cacheTtlSeconds: integer(cacheTtl.raw, cacheTtl.setting, 1, 365 * 86_400),
    cacheKeyPrefix: values["cache-key-prefix"] ?? env.CACHE_KEY_PREFIX ?? "cpd:",
    cacheMaxBytes: integer(cacheMax.raw, cacheMax.setting, 1024 * 1024, 2 ** 40),
    statsIntervalSeconds: integer(statsInterval.raw, statsInterval.setting, 0, 86_400),
    logLevel: level.raw as CheckpointdConfig["logLevel"],
    maxMessageBytes: integer(maxMessage.raw, maxMessage.setting, 1024, 2 ** 31 - 1),
    shutdownGraceMs: integer(grace.raw, grace.setting, 0, 600_000),
    heartbeatMs: integer(heartbeat.raw, heartbeat.setting, 10, 3_600_000),
    streamStallMs: integer(stall.raw, stall.setting, 10, 3_600_000),
  };
}
