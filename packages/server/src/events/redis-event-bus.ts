import { Redis } from "ioredis";
import type { Logger } from "pino";
import { createRedisClient, type RedisClient } from "../redis/create-redis-client.js";
import type { EventBus } from "./event-bus.js";
import { createListenerRegistry } from "./listener-registry.js";
import { createOutageLog } from "./outage-log.js";

export interface RedisEventBusOptions {
  url: string;
  /** Treat `url` as one node of a Redis Cluster (pub/sub messages reach every node). */
  cluster?: boolean;
  /** The pub/sub channel every replica shares (default `cpd:events`). */
  channel?: string;
  /** How often the subscriber connection is pinged to find a dead socket (default 5000 ms; standalone only). */
  healthCheckMs?: number;
  /** How long the subscription stays after this replica's last listener left (default 30000 ms). */
  idleUnsubscribeMs?: number;
  logger: Logger;
}

/** Between the thread ids of one message. */
const separator = "\0";

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The event bus over Redis pub/sub: `PUBLISH channel threadIds` on one
 * connection, and a second connection that SUBSCRIBEs once to the channel and
 * hands each message to this replica's listeners of those threads. A message
 * is the thread ids joined by NUL: an id never holds one, since only threads
 * whose events were stored are published and PostgreSQL text cannot hold NUL.
 *
 * The subscription is held only while this replica has listeners (a Watch,
 * a Subscribe, a wait for a lease), and for idleUnsubscribeMs after the last
 * one left: a replica nobody watches through does not receive, parse and
 * drop every other write's message (at one agent, about a tenth of the
 * server's CPU per write; bench/RESULTS.md, session 12).
 *
 * Outages never reach callers: publish fails fast (no offline queue), logs one
 * warning per outage and resolves. The subscriber reconnects by itself and,
 * while there are listeners, subscribes again on every `ready` (ioredis' own
 * autoResubscribe is off so that the moment the subscription is confirmed is
 * known here). Each time the subscription becomes active, the first time
 * included, every local listener is called once: notifications published
 * while it was not active are lost, so a listener that comes to an idle
 * replica reads storage again once the subscription is up.
 * A standalone subscriber that stops answering PING is reconnected, so a
 * half-open socket does not go unnoticed.
 *
 * Cluster: ioredis keeps the subscription on one node and moves it to another
 * node itself when that node is lost; the listeners are called again when the
 * cluster client as a whole becomes ready again, not on such a move (the
 * watchers' heartbeat re-read covers that gap).
 */
export function createRedisEventBus(options: RedisEventBusOptions): EventBus {
  const { logger } = options;
  const channel = options.channel ?? "cpd:events";
  const listeners = createListenerRegistry(logger);
  const connect = (autoPipelining: boolean) =>
    createRedisClient({ url: options.url, cluster: options.cluster, commandTimeoutMs: 2_000, autoPipelining, autoResubscribe: false });
  // The publishes of one event-loop turn (a Batch's writes) go in one write; a subscriber sends no commands to pipeline.
  const publisher = connect(true);
  const subscriber = connect(false);

  let closed = false;
  const publishing = createOutageLog(logger, "redis event bus");
  let listening = false;
  let subscribeDown = false;
  let subscribing = false;
  let unsubscribing = false;
  let retry: NodeJS.Timeout | undefined;
  let idle: NodeJS.Timeout | undefined;
  let pinging = false;
  const idleUnsubscribeMs = options.idleUnsubscribeMs ?? 30_000;
  const wanted = () => !closed && !listeners.isEmpty();

  const notifyAll = () => listeners.notifyAll();

  publisher.on("error", (error: Error) => logger.debug({ err: error.message }, "redis event bus publisher error"));

  const lost = (reason: string) => {
    if (!listening) return;
    listening = false;
    if (closed || subscribeDown) return;
    subscribeDown = true;
    logger.warn({ reason }, "redis event bus subscriber lost: notifications from other replicas paused");
  };
  const subscribe = async () => {
    if (!wanted() || listening || subscribing || unsubscribing || subscriber.status !== "ready") return;
    subscribing = true;
    try {
      await subscriber.subscribe(channel);
    } catch (error) {
      if (!subscribeDown && !closed) {
        subscribeDown = true;
        logger.warn({ err: errorMessage(error) }, "redis event bus could not subscribe: retrying");
      }
      // A failure on a live connection (a timeout, say) is retried; a lost one re-subscribes on `ready`.
      retry ??= setTimeout(() => {
        retry = undefined;
        void subscribe();
      }, 1_000);
      retry.unref();
      return;
    } finally {
      subscribing = false;
    }
    if (closed || subscriber.status !== "ready") return;
    listening = true;
    if (subscribeDown) {
      subscribeDown = false;
      logger.info("redis event bus subscribed again: listeners re-read");
    }
    notifyAll();
    listenersChanged(); // the last listener may have left while the subscription was on its way
  };
  /** Leaves the channel once no listener is left (a listener that came meanwhile subscribes again). */
  const unsubscribe = async () => {
    if (wanted() || !listening || subscribing || unsubscribing) return;
    unsubscribing = true;
    listening = false;
    try {
      await subscriber.unsubscribe(channel);
    } catch {
      // Still subscribed, or the connection is gone: messages with no listener are dropped either way.
    } finally {
      unsubscribing = false;
    }
    void subscribe();
  };
  /** After a listener came or left: subscribe now, or leave the channel once idle for idleUnsubscribeMs. */
  const listenersChanged = () => {
    if (wanted()) {
      clearTimeout(idle);
      idle = undefined;
      void subscribe();
    } else if (listening && idle === undefined) {
      idle = setTimeout(() => {
        idle = undefined;
        void unsubscribe();
      }, idleUnsubscribeMs);
      idle.unref();
    }
  };
  subscriber.on("ready", () => void subscribe());
  subscriber.on("error", (error: Error) => {
    logger.debug({ err: error.message }, "redis event bus subscriber error");
    if (!listening && !subscribeDown && wanted()) {
      subscribeDown = true;
      logger.warn({ err: error.message }, "redis event bus subscriber unavailable: retrying");
    }
  });
  subscriber.on("close", () => lost("connection closed"));
  subscriber.on("end", () => lost("connection ended"));
  subscriber.on("message", (from: string, message: string) => {
    if (from !== channel || closed) return;
    for (const threadId of message.split(separator)) listeners.notify(threadId);
  });

  // A standalone subscriber pings now and then: a socket that stopped answering is replaced.
  const health =
    subscriber instanceof Redis
      ? setInterval(() => {
          // Idle too: a listener that comes later then finds a live connection to subscribe on.
          if (pinging || closed || subscriber.status !== "ready") return;
          pinging = true;
          subscriber
            .ping()
            .catch((error: unknown) => {
              if (closed) return;
              lost(`ping failed: ${errorMessage(error)}`);
              subscriber.disconnect(true);
            })
            .finally(() => {
              pinging = false;
            });
        }, options.healthCheckMs ?? 5_000)
      : undefined;
  health?.unref();

  return {
    async publish(threadIds) {
      if (closed || threadIds.length === 0) return;
      try {
        await publisher.publish(channel, threadIds.join(separator));
        publishing.ok();
      } catch (error) {
        if (!closed) publishing.failed(error);
      }
    },
    subscribe(threadId, listener) {
      const remove = listeners.add(threadId, listener);
      listenersChanged();
      return () => {
        remove();
        listenersChanged();
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      listening = false;
      clearTimeout(retry);
      clearTimeout(idle);
      clearInterval(health);
      listeners.clear();
      await Promise.all([publisher, subscriber].map((client) => disconnect(client)));
    },
  };
}

/** Disconnects without reconnecting and waits (a bounded while) for a live connection to end. */
async function disconnect(client: RedisClient): Promise<void> {
  // Between attempts there is no socket: disconnect() only cancels the next attempt, and no "end" follows.
  if (client.status === "end" || client.status === "reconnecting") {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<void>((resolve) => {
    client.once("end", () => resolve());
    timer = setTimeout(resolve, 2_000);
  });
  client.disconnect();
  await ended;
  clearTimeout(timer);
}
