import pg from "pg";
import type { Logger } from "pino";
import type { EventBus } from "./event-bus.js";
import { createListenerRegistry } from "./listener-registry.js";
import { createOutageLog } from "./outage-log.js";

export interface PostgresEventBusOptions {
  databaseUrl: string;
  /** The NOTIFY channel every replica shares (default `checkpointd_events`). */
  channel?: string;
  /** How often the listening connection runs `select 1` to find a dead socket (default 5000 ms). */
  healthCheckMs?: number;
  logger: Logger;
}

/** NOTIFY payloads must stay under 8000 bytes; thread ids are far shorter. */
const MAX_PAYLOAD_BYTES = 7_000;
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The event bus over PostgreSQL LISTEN/NOTIFY, for deployments without Redis:
 * `select pg_notify(channel, threadId)` for each thread (one statement for all
 * the threads of a publish) through a pool of two connections, and
 * one dedicated connection that LISTENs and hands each notification to this
 * replica's listeners of that thread.
 *
 * Outages never reach callers: a failed publish logs one warning per outage
 * and resolves (queries time out after 2 s). The listening connection is
 * re-opened after a loss, 100 ms doubling to 2 s between attempts, for as long
 * as the bus is open. Each time LISTEN succeeds, the first time included,
 * every local listener is called once: notifications sent while nobody
 * listened are lost.
 */
export function createPostgresEventBus(options: PostgresEventBusOptions): EventBus {
  const { logger } = options;
  const channel = options.channel ?? "checkpointd_events";
  if (channel.length === 0 || Buffer.byteLength(channel) > 63) {
    throw new Error(`event bus channel must be 1 to 63 bytes: ${JSON.stringify(channel)}`);
  }
  const listeners = createListenerRegistry(logger);
  const connection = {
    connectionString: options.databaseUrl,
    connectionTimeoutMillis: 2_000,
    query_timeout: 2_000,
    keepAlive: true,
  };
  const pool = new pg.Pool({ ...connection, max: 2, idleTimeoutMillis: 30_000 });
  // Errors of idle or checked-out pooled connections (Postgres restarting): the next query fails instead.
  pool.on("error", (error) => logger.debug({ err: error.message }, "postgres event bus pool error"));
  pool.on("connect", (client) => client.on("error", (error) => logger.debug({ err: error.message }, "postgres event bus pool error")));

  let closed = false;
  const publishing = createOutageLog(logger, "postgres event bus");
  let listenDown = false;
  let client: pg.Client | undefined;
  let listening = false;
  let retryMs = FIRST_RETRY_MS;
  let retry: NodeJS.Timeout | undefined;
  let checking = false;

  const notifyAll = () => listeners.notifyAll();

  /** Drops `lost` (if it is still the current connection) and schedules the next attempt. */
  const drop = (lost: pg.Client, error: unknown) => {
    if (client !== lost) return;
    client = undefined;
    listening = false;
    lost.end().catch(() => undefined);
    if (closed) return;
    if (!listenDown) {
      listenDown = true;
      logger.warn({ err: errorMessage(error) }, "postgres event bus not listening: notifications from other replicas paused");
    }
    const delay = retryMs;
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    retry = setTimeout(() => {
      retry = undefined;
      void listen();
    }, delay);
  };

  const listen = async () => {
    if (closed || client !== undefined) return;
    const current = new pg.Client(connection);
    client = current;
    current.on("error", (error) => drop(current, error));
    current.on("end", () => drop(current, new Error("connection ended")));
    current.on("notification", (message) => {
      if (client !== current || message.channel !== channel || message.payload === undefined) return;
      listeners.notify(message.payload);
    });
    try {
      await current.connect();
      await current.query(`LISTEN ${current.escapeIdentifier(channel)}`);
    } catch (error) {
      drop(current, error);
      return;
    }
    if (client !== current || closed) return;
    listening = true;
    retryMs = FIRST_RETRY_MS;
    if (listenDown) {
      listenDown = false;
      logger.info("postgres event bus listening again: listeners re-read");
    }
    notifyAll();
  };

  // The listening connection runs `select 1` now and then: one that stopped answering is replaced.
  const health = setInterval(() => {
    const current = client;
    if (checking || !listening || current === undefined) return;
    checking = true;
    current
      .query("select 1")
      .catch((error: unknown) => drop(current, error))
      .finally(() => {
        checking = false;
      });
  }, options.healthCheckMs ?? 5_000);
  health.unref();

  void listen();

  return {
    async publish(threadIds) {
      if (closed) return;
      const fitting = threadIds.filter((threadId) => {
        const bytes = Buffer.byteLength(threadId);
        if (bytes > MAX_PAYLOAD_BYTES) logger.error({ bytes }, "postgres event bus: thread id too long to notify, dropped");
        return bytes <= MAX_PAYLOAD_BYTES;
      });
      if (fitting.length === 0) return;
      try {
        await pool.query("select pg_notify($1, thread_id) from unnest($2::text[]) as thread_id", [channel, fitting]);
        publishing.ok();
      } catch (error) {
        if (!closed) publishing.failed(error);
      }
    },
    subscribe: (threadId, listener) => listeners.add(threadId, listener),
    async close() {
      if (closed) return;
      closed = true;
      listening = false;
      clearTimeout(retry);
      clearInterval(health);
      listeners.clear();
      const current = client;
      client = undefined;
      await Promise.all([current?.end().catch(() => undefined), pool.end().catch(() => undefined)]);
    },
  };
}
