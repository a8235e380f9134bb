#!/usr/bin/env node
import { format } from "node:util";
import { setLogger } from "@grpc/grpc-js";
import { pino } from "pino";
import { clientVerbNames } from "./commands/client-verb-names.js";
import { ConfigError, loadConfig, usage } from "./config/load-config.js";
import { checkHealth, HealthCheckError } from "./health-check.js";
import { ListenError } from "./transport/grpc-js-server.js";
import { loadTlsMaterial } from "./transport/tls-files.js";
import { openDatabase, startCheckpointd } from "./start-checkpointd.js";
import { tuneHeapGrowth } from "./tune-heap-growth.js";

/**
 * grpc-js logs a metadata entry it drops (non-ASCII text) with its value: an
 * `authorization` value is a credential, so every value is withheld.
 */
const withheld = (line: string) => line.replace(/(Failed to add metadata entry [^:]*:).*$/s, "$1 (value withheld; the entry was dropped)");

function fail(message: string): never {
  process.stderr.write(`checkpointd: ${message}\n`);
  process.exit(1);
}

/** A client verb (threads, show, import, ...): talks to a running server, then exits with its status. */
async function runVerb(argv: readonly string[]) {
  // stderr is the verb's own (progress, one failure line): no Node deprecation notes there, such as
  // the one TLS gives for dialling an IP address.
  process.noDeprecation = true;
  // Loaded only for a verb: `serve` does not pay for the client and its codecs at start.
  const [{ runClientVerb }, { processOutput }] = await Promise.all([
    import("./commands/run-client-verb.js"),
    import("./commands/output.js"),
  ]);
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  process.exitCode = await runClientVerb({ argv, env: process.env, out: processOutput(), signal: controller.signal });
}

async function main() {
  const argv = process.argv.slice(2);
  if (clientVerbNames.includes(argv[0] ?? "")) return runVerb(argv);
  if (argv[0] === "sweep") {
    const { runSweepCommand } = await import("./commands/sweep-command.js");
    const { createSharedEventBus, createSharedRedisCache } = await import("./shared-services.js");
    const io = {
      stdout: (text: string) => process.stdout.write(text),
      stderr: (text: string) => process.stderr.write(text),
      openDatabase,
      createSharedRedisCache,
      createSharedEventBus,
    };
    process.exitCode = await runSweepCommand(argv.slice(1), process.env, io);
    return;
  }
  const config = loadConfig(argv, process.env);
  if (config.command === "help") {
    const { clientVerbsUsage } = await import("./commands/client-usage.js");
    process.stdout.write(`${usage}\n${clientVerbsUsage()}`);
    return;
  }
  const logger = pino({ level: config.logLevel, base: { service: "checkpointd" } });
  // grpc-js prints its own lines to stderr (e.g. "E No address added..." when the port is taken):
  // route them to the log, so that stderr carries only the one-line failure.
  const grpcLog = logger.child({ component: "grpc-js" });
  setLogger({
    error: (...args: unknown[]) => grpcLog.error(withheld(format(...args))),
    info: (...args: unknown[]) => grpcLog.info(withheld(format(...args))),
    debug: (...args: unknown[]) => grpcLog.debug(withheld(format(...args))),
  });
  if (config.command === "health") {
    // A wildcard listen address is reached on loopback.
    const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
    // With TLS on, the check speaks TLS; with mutual TLS, it presents the server's own certificate
    // (accepted when the client CA also signed it).
    const tls =
      config.tlsCertFile === undefined
        ? undefined
        : config.tlsClientCaFile === undefined || config.tlsKeyFile === undefined
          ? {}
          : { ...loadTlsMaterial({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile }) };
    const status = await checkHealth(`${host.includes(":") ? `[${host}]` : host}:${config.port}`, "", 2_000, tls);
    process.stdout.write(`${status}\n`);
    if (status !== "SERVING") process.exitCode = 1;
    return;
  }
  if (config.command === "migrate") {
    const handle = await openDatabase(config, logger);
    await handle.db.destroy();
    return;
  }
  // Only for the long-running server (also `checkpointd sweep --every`'s loop runs briefly enough).
  const tunedHeap = tuneHeapGrowth();
  const server = await startCheckpointd(config, logger);
  if (!tunedHeap) logger.info("heap growth left to the --heap-growing-percent given to node");
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  // SIGUSR2 steps the log level to debug (to info when configured at debug or trace), the next one back.
  const otherLevel = config.logLevel === "debug" || config.logLevel === "trace" ? "info" : "debug";
  process.on("SIGUSR2", () => {
    logger.level = logger.level === config.logLevel ? otherLevel : config.logLevel;
    logger.info({ logLevel: logger.level }, "log level changed (SIGUSR2)");
  });
  // SIGHUP re-reads the API keys file (as a change to it does); connections stay open.
  process.on("SIGHUP", () => void server.reloadAuth());
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof ListenError) fail(error.message);
  if (error instanceof HealthCheckError) fail(error.message);
  fail(`unexpected error at start: ${error instanceof Error ? error.message : String(error)}`);
});
