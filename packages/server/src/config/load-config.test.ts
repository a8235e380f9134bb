import { describe, expect, test } from "@jest/globals";
import { ConfigError, loadConfig, usage, type CheckpointdConfig } from "./load-config.js";

const defaults: CheckpointdConfig = {
  command: "serve",
  host: "127.0.0.1",
  port: 50051,
  databaseUrl: undefined,
  databaseDirectUrl: undefined,
  dataDir: "./.data/pglite",
  preparedStatements: "auto",
  storageChunkThreshold: 8192,
  storageChunkTarget: 2048,
  storageCompression: "off",
  logLevel: "info",
  maxMessageBytes: 16 * 1024 * 1024,
  shutdownGraceMs: 10_000,
  httpPort: 8080,
  corsOrigins: [],
  cache: "auto",
  redisUrl: undefined,
  redisCluster: false,
  cacheTtlSeconds: 86_400,
  cacheKeyPrefix: "cpd:",
  cacheMaxBytes: 64 * 1024 * 1024,
  statsIntervalSeconds: 0,
  heartbeatMs: 5_000,
  streamStallMs: 30_000,
  tlsCertFile: undefined,
  tlsKeyFile: undefined,
  tlsClientCaFile: undefined,
  authCertTenantFrom: "cn",
  authCertRole: "write",
  metricsPort: 9464,
  metricsTokenFile: undefined,
  slowCallMs: 500,
  otel: false,
  authKeysFile: undefined,
  authJwksFile: undefined,
  authJwksUrl: undefined,
  authIssuer: "",
  authAudience: "",
  authTenantClaim: "tenant",
  authRolesClaim: "roles",
  authPublicServices: ["grpc.health.v1", "grpc.reflection"],
  authRateLimit: 0,
  authMaxStreams: 0,
  insecureNoAuth: false,
  retentionMaxVersions: undefined,
  retentionMaxAge: undefined,
  threadTtl: undefined,
  threadTtlStrategy: "delete",
  threadTtlRefreshOnRead: false,
  sweepInterval: 300_000,
  sweepBatch: 1000,
};

/** The ConfigError loadConfig throws (fails the test when it does not throw one). */
function configError(argv: string[], env: NodeJS.ProcessEnv = {}): ConfigError {
  let thrown: unknown;
  try {
    loadConfig(argv, env);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  const error = thrown as ConfigError;
  expect(error.name).toBe("ConfigError");
  // One line: the CLI prints it as is after "checkpointd: ".
  expect(error.message).not.toMatch(/\n/);
  return error;
}

describe("loadConfig defaults", () => {
  test("no flags and an empty environment give the documented defaults", () => {
    expect(loadConfig([], {})).toEqual(defaults);
  });

  test("serve is the default command; serve, migrate and health are accepted", () => {
    expect(loadConfig(["serve"], {}).command).toBe("serve");
    expect(loadConfig(["migrate"], {}).command).toBe("migrate");
    expect(loadConfig(["health"], {}).command).toBe("health");
    expect(loadConfig(["migrate", "--port", "1"], {})).toEqual({ ...defaults, command: "migrate", port: 1 });
  });

  test("--help and -h select the help command, whatever else is given", () => {
    expect(loadConfig(["--help"], {}).command).toBe("help");
    expect(loadConfig(["-h"], {}).command).toBe("help");
    expect(loadConfig(["migrate", "--help"], {}).command).toBe("help");
  });

  test("an empty DATABASE_URL means embedded PGlite, like an unset one", () => {
    expect(loadConfig([], { DATABASE_URL: "" }).databaseUrl).toBeUndefined();
    expect(loadConfig(["--database-url", ""], {}).databaseUrl).toBeUndefined();
  });

  test('"off" switches the HTTP port off, from the flag or the environment', () => {
    expect(loadConfig(["--http-port", "off"], {}).httpPort).toBeUndefined();
    expect(loadConfig([], { HTTP_PORT: "off" }).httpPort).toBeUndefined();
    expect(loadConfig(["--http-port", "9000"], { HTTP_PORT: "off" }).httpPort).toBe(9000);
  });

  test("CORS origins are split on commas, trimmed, and empty entries dropped", () => {
    expect(loadConfig([], { CORS_ORIGINS: " https://a.example , ,https://b.example," }).corsOrigins).toEqual([
      "https://a.example",
      "https://b.example",
    ]);
    expect(loadConfig(["--cors-origins", "*"], {}).corsOrigins).toEqual(["*"]);
    expect(loadConfig(["--cors-origins", ""], { CORS_ORIGINS: "https://a.example" }).corsOrigins).toEqual([]);
  });

  test("port 0 (pick a free one) and the bounds of each integer are accepted", () => {
    expect(loadConfig(["--port", "0"], {}).port).toBe(0);
    expect(loadConfig(["--port", "65535"], {}).port).toBe(65535);
    expect(loadConfig(["--http-port", "0"], {}).httpPort).toBe(0);
    expect(loadConfig(["--max-message-bytes", "1024"], {}).maxMessageBytes).toBe(1024);
    expect(loadConfig(["--max-message-bytes", String(2 ** 31 - 1)], {}).maxMessageBytes).toBe(2 ** 31 - 1);
    expect(loadConfig(["--shutdown-grace-ms", "0"], {}).shutdownGraceMs).toBe(0);
    expect(loadConfig(["--shutdown-grace-ms", "600000"], {}).shutdownGraceMs).toBe(600_000);
  });

  test("postgres:// and postgresql:// URLs are kept as given", () => {
    const a = "postgres://user:secret@db.example:5433/checkpoints?sslmode=require";
    const b = "postgresql://user@localhost/checkpoints";
    expect(loadConfig([], { DATABASE_URL: a }).databaseUrl).toBe(a);
    expect(loadConfig(["--database-url", b], {}).databaseUrl).toBe(b);
  });

  test("every log level is accepted", () => {
    for (const level of ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const) {
      expect(loadConfig(["--log-level", level], {}).logLevel).toBe(level);
      expect(loadConfig([], { LOG_LEVEL: level }).logLevel).toBe(level);
    }
  });

  test("the usage text names every command, flag and environment variable", () => {
    for (const word of [
      "serve",
      "migrate",
      "health",
      "--host",
      "HOST",
      "--port",
      "PORT",
      "--http-port",
      "HTTP_PORT",
      "--cors-origins",
      "CORS_ORIGINS",
      "--database-url",
      "DATABASE_URL",
      "--data-dir",
      "CHECKPOINTD_DATA_DIR",
      "--log-level",
      "LOG_LEVEL",
      "--max-message-bytes",
      "MAX_MESSAGE_BYTES",
      "--shutdown-grace-ms",
      "SHUTDOWN_GRACE_MS",
      "--heartbeat-ms",
      "HEARTBEAT_MS",
      "--stream-stall-ms",
      "STREAM_STALL_MS",
      "--cache",
      "CACHE",
      "--redis-url",
      "REDIS_URL",
      "--redis-cluster",
      "REDIS_CLUSTER",
      "--cache-ttl-seconds",
      "CACHE_TTL_SECONDS",
      "--cache-key-prefix",
      "CACHE_KEY_PREFIX",
      "--cache-max-bytes",
      "CACHE_MAX_BYTES",
      "--stats-interval-seconds",
      "STATS_INTERVAL_SECONDS",
      "--help",
    ]) {
      expect(usage).toContain(word);
    }
  });
});

// Each setting: its flag, its environment variable, and two distinct valid values (raw, parsed).
const settings = [
  { flag: "--host", env: "HOST", key: "host", flagValue: ["0.0.0.0", "0.0.0.0"], envValue: ["::1", "::1"] },
  { flag: "--port", env: "PORT", key: "port", flagValue: ["7001", 7001], envValue: ["7002", 7002] },
  { flag: "--http-port", env: "HTTP_PORT", key: "httpPort", flagValue: ["7003", 7003], envValue: ["7004", 7004] },
  {
    flag: "--cors-origins",
    env: "CORS_ORIGINS",
    key: "corsOrigins",
    flagValue: ["https://flag.example", ["https://flag.example"]],
    envValue: ["https://a.example,https://b.example", ["https://a.example", "https://b.example"]],
  },
  {
    flag: "--database-url",
    env: "DATABASE_URL",
    key: "databaseUrl",
    flagValue: ["postgres://flag@127.0.0.1:5432/a", "postgres://flag@127.0.0.1:5432/a"],
    envValue: ["postgresql://env@127.0.0.1:5432/b", "postgresql://env@127.0.0.1:5432/b"],
  },
  {
    flag: "--database-direct-url",
    env: "DATABASE_DIRECT_URL",
    key: "databaseDirectUrl",
    flagValue: ["postgres://flag@127.0.0.1:5432/a", "postgres://flag@127.0.0.1:5432/a"],
    envValue: ["postgresql://env@127.0.0.1:5432/b", "postgresql://env@127.0.0.1:5432/b"],
  },
  {
    flag: "--data-dir",
    env: "CHECKPOINTD_DATA_DIR",
    key: "dataDir",
    flagValue: ["/tmp/flag-dir", "/tmp/flag-dir"],
    envValue: ["env-dir", "env-dir"],
  },
  { flag: "--log-level", env: "LOG_LEVEL", key: "logLevel", flagValue: ["debug", "debug"], envValue: ["warn", "warn"] },
  { flag: "--max-message-bytes", env: "MAX_MESSAGE_BYTES", key: "maxMessageBytes", flagValue: ["2048", 2048], envValue: ["4096", 4096] },
  { flag: "--shutdown-grace-ms", env: "SHUTDOWN_GRACE_MS", key: "shutdownGraceMs", flagValue: ["250", 250], envValue: ["500", 500] },
  {
    flag: "--redis-url",
    env: "REDIS_URL",
    key: "redisUrl",
    flagValue: ["redis://127.0.0.1:6380", "redis://127.0.0.1:6380"],
    envValue: ["rediss://:secret@cache.example:6379/2", "rediss://:secret@cache.example:6379/2"],
  },
  { flag: "--heartbeat-ms", env: "HEARTBEAT_MS", key: "heartbeatMs", flagValue: ["250", 250], envValue: ["1000", 1000] },
  { flag: "--stream-stall-ms", env: "STREAM_STALL_MS", key: "streamStallMs", flagValue: ["500", 500], envValue: ["2000", 2000] },
  { flag: "--cache", env: "CACHE", key: "cache", flagValue: ["off", "off"], envValue: ["off", "off"] },
  {
    flag: "--prepared-statements",
    env: "PREPARED_STATEMENTS",
    key: "preparedStatements",
    flagValue: ["off", "off"],
    envValue: ["off", "off"],
  },
  {
    flag: "--auth-keys-file",
    env: "AUTH_KEYS_FILE",
    key: "authKeysFile",
    flagValue: ["/a/keys.yaml", "/a/keys.yaml"],
    envValue: ["/b.json", "/b.json"],
  },
  {
    flag: "--metrics-token-file",
    env: "METRICS_TOKEN_FILE",
    key: "metricsTokenFile",
    flagValue: ["/run/secrets/metrics", "/run/secrets/metrics"],
    envValue: ["/m.txt", "/m.txt"],
  },
  {
    flag: "--auth-cert-role",
    env: "AUTH_CERT_ROLE",
    key: "authCertRole",
    flagValue: ["read", "read"],
    envValue: ["admin", "admin"],
  },
  {
    flag: "--auth-jwks-url",
    env: "AUTH_JWKS_URL",
    key: "authJwksUrl",
    flagValue: ["https://a.example/j", "https://a.example/j"],
    envValue: ["http://127.0.0.1:1/j", "http://127.0.0.1:1/j"],
  },
  {
    flag: "--auth-public-services",
    env: "AUTH_PUBLIC_SERVICES",
    key: "authPublicServices",
    flagValue: ["grpc.health.v1", ["grpc.health.v1"]],
    envValue: ["", []],
  },
  { flag: "--auth-rate-limit", env: "AUTH_RATE_LIMIT", key: "authRateLimit", flagValue: ["100", 100], envValue: ["5", 5] },
  { flag: "--cache-ttl-seconds", env: "CACHE_TTL_SECONDS", key: "cacheTtlSeconds", flagValue: ["60", 60], envValue: ["3600", 3600] },
  { flag: "--cache-key-prefix", env: "CACHE_KEY_PREFIX", key: "cacheKeyPrefix", flagValue: ["a:", "a:"], envValue: ["b:", "b:"] },
  {
    flag: "--storage-chunk-threshold",
    env: "STORAGE_CHUNK_THRESHOLD",
    key: "storageChunkThreshold",
    flagValue: ["off", undefined],
    envValue: ["4096", 4096],
  },
  {
    flag: "--storage-chunk-target",
    env: "STORAGE_CHUNK_TARGET",
    key: "storageChunkTarget",
    flagValue: ["1024", 1024],
    envValue: ["4096", 4096],
  },
  {
    flag: "--storage-compression",
    env: "STORAGE_COMPRESSION",
    key: "storageCompression",
    flagValue: ["gzip", "gzip"],
    envValue: ["brotli", "brotli"],
  },
  {
    flag: "--cache-max-bytes",
    env: "CACHE_MAX_BYTES",
    key: "cacheMaxBytes",
    flagValue: ["2097152", 2097152],
    envValue: ["4194304", 4194304],
  },
  {
    flag: "--stats-interval-seconds",
    env: "STATS_INTERVAL_SECONDS",
    key: "statsIntervalSeconds",
    flagValue: ["30", 30],
    envValue: ["60", 60],
  },
  { flag: "--metrics-port", env: "METRICS_PORT", key: "metricsPort", flagValue: ["9465", 9465], envValue: ["off", undefined] },
  { flag: "--slow-call-ms", env: "SLOW_CALL_MS", key: "slowCallMs", flagValue: ["50", 50], envValue: ["0", 0] },
  {
    flag: "--retention-max-versions",
    env: "RETENTION_MAX_VERSIONS",
    key: "retentionMaxVersions",
    flagValue: ["100", 100],
    envValue: ["off", undefined],
  },
  {
    flag: "--retention-max-age",
    env: "RETENTION_MAX_AGE",
    key: "retentionMaxAge",
    flagValue: ["7d", 604_800_000],
    envValue: ["12h", 43_200_000],
  },
  { flag: "--thread-ttl", env: "THREAD_TTL", key: "threadTtl", flagValue: ["1h30m", 5_400_000], envValue: ["30s", 30_000] },
  {
    flag: "--thread-ttl-strategy",
    env: "THREAD_TTL_STRATEGY",
    key: "threadTtlStrategy",
    flagValue: ["keep_latest", "keep_latest"],
    envValue: ["keep_latest", "keep_latest"],
  },
  { flag: "--sweep-interval", env: "SWEEP_INTERVAL", key: "sweepInterval", flagValue: ["1m", 60_000], envValue: ["500ms", 500] },
  { flag: "--sweep-batch", env: "SWEEP_BATCH", key: "sweepBatch", flagValue: ["50", 50], envValue: ["10000", 10_000] },
] as const;

describe("retention settings refuse what they cannot mean", () => {
  test("a bare number, a zero or a negative count, an unknown strategy: one line naming the setting", () => {
    expect(configError(["--retention-max-age", "7"]).message).toMatch(/^--retention-max-age: expected a duration/);
    expect(configError(["--thread-ttl", "0s"]).message).toMatch(/^--thread-ttl: expected/);
    expect(configError(["--retention-max-versions", "0"]).message).toMatch(/^--retention-max-versions: expected an integer from 1/);
    expect(configError([], { THREAD_TTL_STRATEGY: "archive" }).message).toMatch(/^THREAD_TTL_STRATEGY: expected delete or keep_latest/);
    expect(configError(["--sweep-interval", "10ms"]).message).toMatch(/^--sweep-interval: expected a duration from 100ms/);
    expect(configError(["--sweep-batch", "0"]).message).toMatch(/^--sweep-batch: expected an integer from 1/);
  });

  test("--thread-ttl-refresh-on-read is a switch", () => {
    expect(loadConfig(["--thread-ttl-refresh-on-read"], {}).threadTtlRefreshOnRead).toBe(true);
    expect(loadConfig([], { TTL_REFRESH_ON_READ: "1" }).threadTtlRefreshOnRead).toBe(true);
  });
});

describe.each(settings)("$flag / $env", ({ flag, env, key, flagValue, envValue }) => {
  test("the flag beats the environment variable", () => {
    const config = loadConfig([flag, flagValue[0]], { [env]: envValue[0] });
    expect(config[key]).toEqual(flagValue[1]);
  });

  test("the --flag=value form works too", () => {
    expect(loadConfig([`${flag}=${flagValue[0]}`], { [env]: envValue[0] })[key]).toEqual(flagValue[1]);
  });

  test("the environment variable is used when the flag is absent", () => {
    const config = loadConfig([], { [env]: envValue[0] });
    expect(config[key]).toEqual(envValue[1]);
    // Nothing else moves.
    expect({ ...config, [key]: defaults[key] }).toEqual(defaults);
  });

  test("the flag alone is used, and nothing else moves", () => {
    const config = loadConfig([flag, flagValue[0]], {});
    expect(config[key]).toEqual(flagValue[1]);
    expect({ ...config, [key]: defaults[key] }).toEqual(defaults);
  });
});

describe("--otel, a switch", () => {
  test("the flag or CHECKPOINTD_OTEL turns tracing on", () => {
    expect(loadConfig(["--otel"], {}).otel).toBe(true);
    expect(loadConfig([], { CHECKPOINTD_OTEL: "true" }).otel).toBe(true);
  });
});

describe("--redis-cluster, a switch", () => {
  test("the flag alone means true and beats REDIS_CLUSTER", () => {
    expect(loadConfig(["--redis-cluster"], {}).redisCluster).toBe(true);
    expect(loadConfig(["--redis-cluster"], { REDIS_CLUSTER: "false" }).redisCluster).toBe(true);
    expect(loadConfig(["--redis-cluster"], { REDIS_CLUSTER: "maybe" }).redisCluster).toBe(true);
  });

  test("REDIS_CLUSTER takes the usual spellings of true and false", () => {
    expect(loadConfig([], { REDIS_CLUSTER: "yes" }).redisCluster).toBe(true);
    expect(loadConfig([], { REDIS_CLUSTER: "0" }).redisCluster).toBe(false);
    expect(loadConfig([], { REDIS_CLUSTER: "" }).redisCluster).toBe(false);
  });

  test("the flag takes no value", () => {
    expect(configError(["--redis-cluster=false"]).message).toMatch(/^arguments: .*--redis-cluster/);
  });
});

describe("loadConfig errors name their setting", () => {
  // [what, argv, env, the setting the message must start with]
  const cases: [string, string[], NodeJS.ProcessEnv, string][] = [
    ["non-numeric PORT", [], { PORT: "abc" }, "PORT"],
    ["non-numeric --port", ["--port", "abc"], {}, "--port"],
    ["PORT above 65535", [], { PORT: "65536" }, "PORT"],
    ["negative --port", ["--port=-1"], {}, "--port"],
    ["fractional --port", ["--port", "80.5"], {}, "--port"],
    ["--port in hex", ["--port", "0x50"], {}, "--port"],
    ["a bad --port even when PORT is fine", ["--port", "x"], { PORT: "80" }, "--port"],
    ["non-numeric HTTP_PORT", [], { HTTP_PORT: "http" }, "HTTP_PORT"],
    ["--http-port above 65535", ["--http-port", "80808"], {}, "--http-port"],
    ["unparseable DATABASE_URL", [], { DATABASE_URL: "not a url" }, "DATABASE_URL"],
    ["non-postgres DATABASE_URL", [], { DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    ["unparseable --database-url", ["--database-url", "::nope"], {}, "--database-url"],
    ["non-postgres --database-url", ["--database-url", "https://example.com/db"], {}, "--database-url"],
    ["unknown LOG_LEVEL", [], { LOG_LEVEL: "verbose" }, "LOG_LEVEL"],
    ["unknown --log-level", ["--log-level", "loud"], {}, "--log-level"],
    ["upper-case --log-level", ["--log-level", "INFO"], {}, "--log-level"],
    ["MAX_MESSAGE_BYTES below 1024", [], { MAX_MESSAGE_BYTES: "10" }, "MAX_MESSAGE_BYTES"],
    ["--max-message-bytes above 2^31-1", ["--max-message-bytes", String(2 ** 31)], {}, "--max-message-bytes"],
    ["non-numeric SHUTDOWN_GRACE_MS", [], { SHUTDOWN_GRACE_MS: "soon" }, "SHUTDOWN_GRACE_MS"],
    ["--shutdown-grace-ms above ten minutes", ["--shutdown-grace-ms", "600001"], {}, "--shutdown-grace-ms"],
    ["empty HOST", [], { HOST: " " }, "HOST"],
    ["empty --host", ["--host", ""], {}, "--host"],
    ["unknown flag", ["--nope"], {}, "arguments"],
    ["flag without its value", ["--port"], {}, "arguments"],
    ["value given to --help", ["--help=yes"], {}, "arguments"],
    ["unknown command", ["start"], {}, "command"],
    ["two commands", ["serve", "migrate"], {}, "arguments"],
    ["unparseable REDIS_URL", [], { REDIS_URL: "not a url" }, "REDIS_URL"],
    ["unknown CACHE mode", [], { CACHE: "redis" }, "CACHE"],
    ["non-redis --redis-url", ["--redis-url", "http://x:6379"], {}, "--redis-url"],
    ["REDIS_CLUSTER not a boolean", [], { REDIS_CLUSTER: "maybe" }, "REDIS_CLUSTER"],
    ["CACHE_TTL_SECONDS of 0", [], { CACHE_TTL_SECONDS: "0" }, "CACHE_TTL_SECONDS"],
    // The flag's name is the table's, not one derived from the environment name.
    ["empty --data-dir", ["--data-dir", ""], {}, "--data-dir"],
    ["empty CHECKPOINTD_DATA_DIR", [], { CHECKPOINTD_DATA_DIR: "" }, "CHECKPOINTD_DATA_DIR"],
    ["HTTP_PORT neither a port nor off", [], { HTTP_PORT: "Off" }, "HTTP_PORT"],
    ["--cache-max-bytes below 1 MiB", ["--cache-max-bytes", "100"], {}, "--cache-max-bytes"],
    ["--storage-chunk-threshold below 1 KiB", ["--storage-chunk-threshold", "100"], {}, "--storage-chunk-threshold"],
    ["unknown STORAGE_COMPRESSION", [], { STORAGE_COMPRESSION: "zstd" }, "STORAGE_COMPRESSION"],
  ];

  test.each(cases)("%s", (_what, argv, env, setting) => {
    const error = configError(argv, env);
    expect(error.message.startsWith(`${setting}: `)).toBe(true);
  });

  test("the messages say what was wrong", () => {
    expect(configError(["--nope"]).message).toContain("--nope");
    expect(configError(["start"]).message).toContain('"start"');
    expect(configError([], { PORT: "abc" }).message).toContain('"abc"');
    expect(configError([], { DATABASE_URL: "mysql://x" }).message).toContain("mysql:");
    expect(configError(["--log-level", "loud"]).message).toContain('"loud"');
    expect(configError(["serve", "migrate"]).message).toContain("migrate");
  });

  test("a bad environment variable is ignored when its flag overrides it", () => {
    expect(loadConfig(["--port", "8080"], { PORT: "abc" }).port).toBe(8080);
    expect(loadConfig(["--log-level", "warn"], { LOG_LEVEL: "loud" }).logLevel).toBe("warn");
    expect(loadConfig(["--database-url", "postgres://a@b/c"], { DATABASE_URL: "not a url" }).databaseUrl).toBe("postgres://a@b/c");
  });

  test("the database URL is not echoed back (it may hold a password)", () => {
    const error = configError([], { DATABASE_URL: "mysql://user:hunter2@db/x" });
    expect(error.message).not.toContain("hunter2");
    expect(configError([], { DATABASE_URL: "hunter2 is not a url" }).message).not.toContain("hunter2");
  });
});
