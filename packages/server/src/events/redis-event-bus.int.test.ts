import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { pino } from "pino";
import { startRedis, waitUntil } from "@checkpointd/test-support";
import type { EventBus } from "./event-bus.js";
import { createRedisEventBus } from "./redis-event-bus.js";

const quiet = pino({ level: process.env.CHECKPOINTD_TEST_LOG_LEVEL ?? "silent" });
const channel = "cpd:events";

describe("the Redis event bus holds its subscription only while it has listeners", () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let probe: Redis;
  const subscribers = async () => {
    const [, count] = (await probe.pubsub("NUMSUB", channel)) as [string, number];
    return Number(count);
  };
  const until = (what: string, check: () => Promise<boolean> | boolean) =>
    waitUntil(
      what,
      async () => {
        if (!(await check())) throw new Error(`not yet: ${what}`);
      },
      { timeoutMs: 10_000 },
    );

  beforeAll(async () => {
    server = await startRedis();
    probe = new Redis(server.url, { lazyConnect: true });
    await probe.connect();
  });
  afterAll(async () => {
    probe?.disconnect();
    await server?.stop();
  });

  it("subscribes for the first listener, calls it once the subscription is up, and leaves once idle", async () => {
    const publisher = createRedisEventBus({ url: server.url, logger: quiet });
    const watched = createRedisEventBus({ url: server.url, idleUnsubscribeMs: 1_000, logger: quiet });
    const buses: EventBus[] = [publisher, watched];
    try {
      // Neither has a listener: neither receives the other's messages.
      await publisher.publish(["before"]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await subscribers()).toBe(0);

      let calls = 0;
      const off = watched.subscribe("t1", () => calls++);
      // The call that says "the subscription is up, read storage": nothing published before it is lost unseen.
      await until("the subscription and its call", async () => calls === 1 && (await subscribers()) === 1);
      await publisher.publish(["t1"]);
      await until("the publish", () => calls === 2);

      off();
      // Still subscribed right after (a Watch that reconnects does not pay a subscribe), gone once idle.
      expect(await subscribers()).toBe(1);
      await until("the unsubscribe after 1 s idle", async () => (await subscribers()) === 0);
      await publisher.publish(["t1"]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(calls).toBe(2);

      // A listener that comes back subscribes again and hears publishes as before.
      let again = 0;
      const offAgain = watched.subscribe("t1", () => again++);
      await until("the second subscription's call", async () => again === 1 && (await subscribers()) === 1);
      await publisher.publish(["t1"]);
      await until("a publish after subscribing again", () => again === 2);
      offAgain();
    } finally {
      await Promise.all(buses.map((bus) => bus.close()));
    }
  });

  it("keeps the subscription while a listener comes back within the idle time", async () => {
    const publisher = createRedisEventBus({ url: server.url, logger: quiet });
    const watched = createRedisEventBus({ url: server.url, idleUnsubscribeMs: 2_000, logger: quiet });
    try {
      let calls = 0;
      const off = watched.subscribe("t2", () => calls++);
      await until("the subscription", async () => calls === 1 && (await subscribers()) === 1);
      off();
      await new Promise((resolve) => setTimeout(resolve, 300));
      let back = 0;
      const offBack = watched.subscribe("t2", () => back++);
      await publisher.publish(["t2"]);
      // Heard without a new subscription (so without a second "subscription is up" call).
      await until("the publish", () => back === 1);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(await subscribers()).toBe(1);
      expect(back).toBe(1);
      offBack();
    } finally {
      await Promise.all([publisher.close(), watched.close()]);
    }
  });
});
