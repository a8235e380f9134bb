import { pino } from "pino";
import type { Logger } from "pino";
import { ConfigError, loadConfig, type CheckpointdConfig } from "../config/load-config.js";
import { threadTopic } from "../events/thread-topic.js";
import { createSweeper, type SweepPassResult } from "../service/sweeper.js";
import { createSweepStore } from "../storage/sweep-threads.js";
import { retentionDefaultsOf } from "../service/retention-defaults.js";
import type { DatabaseHandle } from "../storage/connect-database.js";
import type { CheckpointCache } from "../cache/checkpoint-cache.js";
import type { EventBus } from "../events/event-bus.js";

export interface SweepCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Opens and migrates the database of the configuration (start-checkpointd.ts's openDatabase). */
  openDatabase(config: CheckpointdConfig, logger: Logger): Promise<DatabaseHandle>;
  /** The servers' shared Redis cache and event bus, opened as they open them (shared-services.ts). */
  createSharedRedisCache(config: CheckpointdConfig & { redisUrl: string }, db: DatabaseHandle["db"], logger: Logger): CheckpointCache;
  createSharedEventBus(config: CheckpointdConfig, logger: Logger): EventBus | undefined;
}

function describePass(r: SweepPassResult): string {
  if (!r.ran) return "another replica is sweeping now: nothing done (try again after its pass)\n";
  const what = r.dryRun ? "would delete" : "deleted";
  return (
    `${r.dryRun ? "dry run: " : ""}${r.threadsExamined} threads examined; ${what} ${r.threadsDeleted} threads and ` +
    `${r.checkpointsDeleted} checkpoints (with ${r.writesDeleted} writes, ${r.valuesDeleted} values and ${r.chunksFreed} chunks), ` +
    `pruned ${r.threadsPruned} threads, trimmed ${r.eventsTrimmed} events and ${r.resumesTrimmed} resumes` +
    `${r.leaseLost ? " (stopped: another replica took the lease over)" : ""}\n`
  );
}

/**
 * One sweeper pass from the command line, under the same lease as the servers
 * (it waits for nobody: with a pass running elsewhere it does nothing and says
 * so, exit 2). It drops the swept threads from Redis and wakes their watchers
 * through the servers' bus; a server's in-process cache (no REDIS_URL) it
 * cannot reach, so it warns. A dry run does every pass's work in transactions
 * it rolls back: the counts are what a pass would delete.
 */
export async function runSweepCommand(argv: readonly string[], env: NodeJS.ProcessEnv, io: SweepCommandIo): Promise<number> {
  const own = new Set(["--once", "--dry-run", "--json"]);
  const flags = new Set(argv.filter((a) => own.has(a)));
  if (!flags.has("--once")) throw new ConfigError("sweep: --once is required (the servers sweep every --sweep-interval by themselves)");
  const config = loadConfig(
    argv.filter((a) => !own.has(a)),
    env,
  );
  // stdout is the verb's answer: the log goes to stderr.
  const logger = pino({ level: config.logLevel, base: { service: "checkpointd", command: "sweep" } }, pino.destination(2));
  const handle = await io.openDatabase(config, logger);
  const redis = config.redisUrl !== undefined && config.cache !== "off" ? config.redisUrl : undefined;
  const cache = redis === undefined ? undefined : io.createSharedRedisCache({ ...config, redisUrl: redis }, handle.db, logger);
  const bus = io.createSharedEventBus(config, logger);
  if (cache === undefined && config.cache !== "off" && !flags.has("--dry-run")) {
    io.stderr("checkpointd sweep: no REDIS_URL: servers with an in-process cache may serve swept checkpoints until their entries expire\n");
  }
  try {
    const sweeper = createSweeper({
      store: createSweepStore(handle.db),
      defaults: retentionDefaultsOf(config),
      intervalMs: config.sweepInterval,
      batch: config.sweepBatch,
      logger,
      async afterChange(tenant, threadId) {
        await cache?.invalidateThread(tenant, threadId);
        await bus?.publish([threadTopic(tenant, threadId)]);
      },
    });
    const result = await sweeper.runPass({ force: true, dryRun: flags.has("--dry-run") });
    io.stdout(flags.has("--json") ? `${JSON.stringify(result)}\n` : describePass(result));
    return result.ran ? 0 : 2;
  } finally {
    await cache?.close();
    await bus?.close();
    await handle.db.destroy();
  }
}
