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
  --log-level LEVEL           LOG_LEVEL             fatal|error|warn|info|debug|trace|silent (default info)
  --max-message-bytes N       MAX_MESSAGE_BYTES     largest gRPC message (default 16777216)
  --shutdown-grace-ms N       SHUTDOWN_GRACE_MS     time in-flight calls get on SIGTERM (default 10000)
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

function databaseUrl(raw: string | undefined, setting: string): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${setting}: not a valid URL (expected postgres://user:password@host:port/database)`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(`${setting}: expected a postgres:// or postgresql:// URL, got "${url.protocol}//"`);
  }
  return raw;
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
        "log-level": { type: "string" },
        "max-message-bytes": { type: "string" },
        "shutdown-grace-ms": { type: "string" },
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
  const level = pick(values["log-level"], "LOG_LEVEL", "info");
  if (!(logLevels as readonly string[]).includes(level.raw)) {
    throw new ConfigError(`${level.setting}: expected one of ${logLevels.join(", ")}, got "${level.raw}"`);
  }
  const host = values.host ?? env.HOST ?? "127.0.0.1";
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
    databaseUrl: databaseUrl(values["database-url"] ?? env.DATABASE_URL, values["database-url"] !== undefined ? "--database-url" : "DATABASE_URL"),
    dataDir: values["data-dir"] ?? env.CHECKPOINTD_DATA_DIR ?? "./.data/pglite",
    logLevel: level.raw as CheckpointdConfig["logLevel"],
    maxMessageBytes: integer(maxMessage.raw, maxMessage.setting, 1024, 2 ** 31 - 1),
    shutdownGraceMs: integer(grace.raw, grace.setting, 0, 600_000),
  };
}
