import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { pino, type Logger } from "pino";
import { createDatabase, startPostgres, startRedis, startRedisCluster, waitUntil } from "@checkpointd/test-support";
import type { EventBus } from "./event-bus.js";
import { createInProcessEventBus } from "./in-process-event-bus.js";
import { createPostgresEventBus } from "./postgres-event-bus.js";
import { createRedisEventBus } from "./redis-event-bus.js";

const quiet = pino({ level: process.env.CHECKPOINTD_TEST_LOG_LEVEL ?? "silent" });

/** One server (or none) and a way to open a replica's bus on it. */
interface Harness {
  /** A new replica's bus; in-process there is nothing between replicas, so "both replicas" share one bus. */
  create(logger: Logger): EventBus;
  /** Network buses call every listener once their subscription is active: replica() waits for that. */
  networked: boolean;
  /** Two awaited publishes from one replica arrive in order (not across Redis Cluster nodes). */
  ordered: boolean;
  stop?(): Promise<void>;
  start?(): Promise<void>;
  destroy(): Promise<void>;
}
interface Backend {
  name: string;
  setUp(): Promise<Harness>;
}

const sharedPostgresUrl = () => {
  const url = process.env.CHECKPOINTD_TEST_DATABASE_URL;
  if (url === undefined) throw new Error("CHECKPOINTD_TEST_DATABASE_URL is not set (see jest globalSetup)");
  return url;
};

const inProcess: Backend = {
  name: "in-process",
  async setUp() {
    const bus = createInProcessEventBus();
    return { create: () => bus, networked: false, ordered: true, destroy: () => bus.close() };
  },
};
const redis: Backend = {
  name: "Redis",
  async setUp() {
    const server = await startRedis();
    return {
      create: (logger) => createRedisEventBus({ url: server.url, logger }),
      networked: true,
      ordered: true,
      stop: () => server.stop(),
      start: () => server.start(),
      destroy: () => server.stop(),
    };
  },
};
const redisCluster: Backend = {
  name: "Redis Cluster",
  async setUp() {
    const cluster = await startRedisCluster();
    return {
      create: (logger) => createRedisEventBus({ url: cluster.url, cluster: true, logger }),
      networked: true,
      ordered: false,
      destroy: () => cluster.destroy(),
    };
  },
};
const postgresShared: Backend = {
  name: "PostgreSQL",
  async setUp() {
    // NOTIFY is per database: a fresh one keeps other test files' notifications out.
    const databaseUrl = await createDatabase(sharedPostgresUrl());
    return {
      create: (logger) => createPostgresEventBus({ databaseUrl, logger }),
      networked: true,
      ordered: true,
      destroy: async () => undefined,
    };
  },
};
const postgresOwn: Backend = {
  name: "PostgreSQL",
  async setUp() {
    const server = await startPostgres();
    const databaseUrl = await createDatabase(server.url);
    return {
      create: (logger) => createPostgresEventBus({ databaseUrl, logger }),
      networked: true,
      ordered: true,
      stop: () => server.stop(),
      start: () => server.start(),
      destroy: () => server.destroy(),
    };
  },
};

function counter() {
  const c = {
    calls: 0,
    listener: () => {
      c.calls++;
    },
  };
  return c;
}

/** A pino logger whose lines the test reads. */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, warnings: (text: string) => lines.filter((l) => l.level === 40 && l.msg.includes(text)).length };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  await waitUntil(
    what,
    async () => {
      if (!check()) throw new Error("not yet");
    },
    { timeoutMs },
  );
}

/** Rejects if `promise` has not settled within `ms`. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe.each([inProcess, redis, redisCluster, postgresShared])("the $name event bus between two replicas", (backend) => {
  let harness: Harness;
  let buses: EventBus[] = [];
  let probes = 0;

  /** Opens a replica's bus; a network one once its subscription is active (its first "reconnected" call). */
  async function replica(logger: Logger = quiet): Promise<EventBus> {
    const bus = harness.create(logger);
    buses.push(bus);
    if (!harness.networked) return bus;
    const boot = counter();
    const off = bus.subscribe(`boot-${++probes}`, boot.listener);
    await until("the subscription to be active", () => boot.calls > 0);
    off();
    return bus;
  }

  /** Publishes on a fresh thread from `from` until `to` hears it: both ends connected. */
  async function linked(from: EventBus, to: EventBus): Promise<void> {
    await waitUntil(
      "a publish reaching the other replica",
      async () => {
        const thread = `link-${++probes}`;
        const heard = counter();
        const off = to.subscribe(thread, heard.listener);
        try {
          await from.publish([thread]);
          for (let i = 0; i < 30 && heard.calls === 0; i++) await sleep(10);
          if (heard.calls === 0) throw new Error("not heard yet");
        } finally {
          off();
        }
      },
      { timeoutMs: 20_000 },
    );
  }

  /** Once this returns, every notification `from` published earlier has been dispatched by `to`. */
  async function settle(from: EventBus, to: EventBus): Promise<void> {
    if (!harness.ordered) return sleep(500);
    const thread = `fence-${++probes}`;
    const heard = counter();
    const off = to.subscribe(thread, heard.listener);
    await from.publish([thread]);
    await until("the fence", () => heard.calls > 0);
    off();
  }

  beforeAll(async () => {
    harness = await backend.setUp();
  });
  afterEach(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    buses = [];
  });
  afterAll(async () => {
    await harness?.destroy();
  });

  it("delivers a publish to the listeners of that thread on both replicas, and to no other thread's", async () => {
    const a = await replica();
    const b = await replica();
    await linked(a, b);
    const [b1, b1again, b2, a1] = [counter(), counter(), counter(), counter()];
    b.subscribe("thread-1", b1.listener);
    b.subscribe("thread-1", b1again.listener);
    b.subscribe("thread-2", b2.listener);
    a.subscribe("thread-1", a1.listener);

    await a.publish(["thread-1"]);
    await until("thread-1's listeners", () => b1.calls > 0 && b1again.calls > 0 && a1.calls > 0);
    await settle(a, b);
    expect({ b1: b1.calls, b1again: b1again.calls, a1: a1.calls, b2: b2.calls }).toEqual({ b1: 1, b1again: 1, a1: 1, b2: 0 });
  });

  it("stops calling a listener once it is unsubscribed", async () => {
    const a = await replica();
    const b = await replica();
    await linked(a, b);
    const [first, second] = [counter(), counter()];
    const offFirst = b.subscribe("thread-u", first.listener);
    const offSecond = b.subscribe("thread-u", second.listener);
    offFirst();
    offFirst(); // twice is harmless

    await a.publish(["thread-u"]);
    await until("the listener still subscribed", () => second.calls > 0);
    await settle(a, b);
    expect([first.calls, second.calls]).toEqual([0, 1]);

    offSecond();
    await a.publish(["thread-u"]);
    await settle(a, b);
    expect([first.calls, second.calls]).toEqual([0, 1]);

    // Subscribing again after the thread's last listener left works as before.
    const third = counter();
    b.subscribe("thread-u", third.listener);
    await a.publish(["thread-u"]);
    await until("a listener added back", () => third.calls > 0);
    await settle(a, b);
    expect([first.calls, second.calls, third.calls]).toEqual([0, 1, 1]);
  });

  it("keeps many threads apart, whatever their ids", async () => {
    const a = await replica();
    const b = await replica();
    await linked(a, b);
    const odd = ["with spaces", "ünïcödé-🧵", "a:b:c", `quote'"s`, "x".repeat(500)];
    const threads = [...Array.from({ length: 200 }, (_, i) => `many-${i}`), ...odd];
    const heard = new Map(threads.map((thread) => [thread, counter()]));
    for (const [thread, c] of heard) b.subscribe(thread, c.listener);
    const silent = counter();
    b.subscribe("never-published", silent.listener);

    // Half of the threads twice, all at once.
    await within(30_000, Promise.all([...threads, ...threads.filter((_, i) => i % 2 === 0)].map((thread) => a.publish([thread]))));
    await until("every thread's listener", () => [...heard.values()].every((c) => c.calls >= 1), 30_000);
    await until("the second round", () => threads.every((thread, i) => heard.get(thread)!.calls === (i % 2 === 0 ? 2 : 1)), 30_000);
    await settle(a, b);
    expect(threads.filter((thread, i) => heard.get(thread)!.calls !== (i % 2 === 0 ? 2 : 1))).toEqual([]);
    expect(silent.calls).toBe(0);
  });

  it("delivers one publish of several threads to each of them, once", async () => {
    const a = await replica();
    const b = await replica();
    await linked(a, b);
    const threads = ["several-1", "several 2", "ünï-3", `q'"4`, "x".repeat(300)];
    const heard = new Map(threads.map((thread) => [thread, counter()]));
    for (const [thread, c] of heard) b.subscribe(thread, c.listener);
    const silent = counter();
    b.subscribe("several", silent.listener);

    await a.publish(threads);
    await until("every thread's listener", () => [...heard.values()].every((c) => c.calls > 0));
    await settle(a, b);
    expect(threads.map((thread) => heard.get(thread)!.calls)).toEqual(threads.map(() => 1));
    expect(silent.calls).toBe(0);
  });

  it("does not call listeners after close, and close can be called twice", async () => {
    const a = await replica();
    const b = await replica();
    await linked(a, b);
    const late = counter();
    b.subscribe("after-close", late.listener);
    await b.close();
    await b.close();
    await within(5_000, b.publish(["after-close"])); // a closed bus drops publishes quietly
    if (a !== b) await a.publish(["after-close"]);
    await sleep(300);
    expect(late.calls).toBe(0);
  });
});

/** Opens a bus and waits until its subscription is active (its first "reconnected" call). */
async function openActive(create: () => EventBus, buses: EventBus[]): Promise<EventBus> {
  const bus = create();
  buses.push(bus);
  const boot = counter();
  const off = bus.subscribe("boot", boot.listener);
  await until("the subscription to be active", () => boot.calls > 0, 30_000);
  off();
  return bus;
}

/** Publishes on fresh threads from `from` until one reaches `to`. */
async function deliver(from: EventBus, to: EventBus): Promise<void> {
  let attempt = 0;
  await waitUntil(
    "a publish reaching the other replica",
    async () => {
      const thread = `deliver-${++attempt}`;
      const heard = counter();
      const off = to.subscribe(thread, heard.listener);
      try {
        await from.publish([thread]);
        for (let i = 0; i < 30 && heard.calls === 0; i++) await sleep(10);
        if (heard.calls === 0) throw new Error("not heard yet");
      } finally {
        off();
      }
    },
    { timeoutMs: 30_000 },
  );
}

describe.each([redis, postgresOwn])("the $name event bus through a server restart", (backend) => {
  let harness: Harness;
  let buses: EventBus[] = [];

  beforeAll(async () => {
    harness = await backend.setUp();
  });
  afterEach(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    buses = [];
  });
  afterAll(async () => {
    await harness?.destroy();
  });

  it("resolves publishes while the server is down, calls listeners on reconnection, then delivers again", async () => {
    const publisherLog = capturingLogger();
    const a = await openActive(() => harness.create(publisherLog.logger), buses);
    const b = await openActive(() => harness.create(quiet), buses);
    await deliver(a, b);
    const [watched, other] = [counter(), counter()];
    b.subscribe("watched", watched.listener);
    b.subscribe("other", other.listener);

    await harness.stop!();
    try {
      for (let i = 0; i < 3; i++) {
        await within(10_000, a.publish(["watched"]));
        await within(10_000, b.publish(["other"]));
      }
      expect(publisherLog.warnings("notifications dropped")).toBe(1); // once per outage, not per publish
      expect([watched.calls, other.calls]).toEqual([0, 0]);
    } finally {
      await harness.start!();
    }

    // Nothing is published to these threads: the call says "you may have missed something".
    await until("the reconnected call", () => watched.calls > 0 && other.calls > 0, 30_000);
    await deliver(a, b);
    expect([watched.calls, other.calls]).toEqual([1, 1]);
    await a.publish(["watched"]);
    await until("a publish after the restart", () => watched.calls === 2);
    expect(other.calls).toBe(1);
    expect(publisherLog.warnings("notifications dropped")).toBe(1);
  });

  it("starts while the server is down and catches up once it is up", async () => {
    await harness.stop!();
    let a: EventBus;
    let b: EventBus;
    const early = counter();
    try {
      a = harness.create(quiet);
      b = harness.create(quiet);
      buses.push(a, b);
      b.subscribe("early", early.listener);
      await within(10_000, a.publish(["early"]));
      await sleep(300);
      expect(early.calls).toBe(0);
    } finally {
      await harness.start!();
    }
    await until("the first listening call", () => early.calls > 0, 30_000);
    await deliver(a, b);
    expect(early.calls).toBe(1);
  });
  it("closes promptly while the server is down", async () => {
    await harness.stop!();
    try {
      const bus = harness.create(quiet);
      bus.subscribe("down", () => undefined);
      await within(10_000, bus.publish(["down"]));
      await sleep(500); // between reconnection attempts
      const started = Date.now();
      await within(5_000, bus.close());
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await harness.start!();
    }
  });
});

describe("the Redis event bus on a stalled server", () => {
  it("replaces a subscriber connection that stopped answering, then calls listeners", async () => {
    const server = await startRedis();
    const buses: EventBus[] = [];
    try {
      const a = await openActive(() => createRedisEventBus({ url: server.url, logger: quiet }), buses);
      const b = await openActive(() => createRedisEventBus({ url: server.url, healthCheckMs: 200, logger: quiet }), buses);
      await deliver(a, b);
      const watched = counter();
      b.subscribe("watched", watched.listener);
      // The process is frozen, its sockets stay open: only the health check can tell.
      server.pause();
      try {
        await within(10_000, a.publish(["elsewhere"])); // times out inside, and resolves
        await sleep(3_000);
      } finally {
        server.resume();
      }
      await until("the reconnected call", () => watched.calls > 0, 30_000);
      await deliver(a, b);
      await a.publish(["watched"]);
      await until("a publish after the stall", () => watched.calls >= 2);
    } finally {
      await Promise.all(buses.map((bus) => bus.close()));
      await server.stop();
    }
  });
});

describe("the PostgreSQL event bus's limits", () => {
  it("drops, without throwing, a thread id too long for a NOTIFY payload", async () => {
    const databaseUrl = await createDatabase(sharedPostgresUrl());
    const bus = createPostgresEventBus({ databaseUrl, logger: quiet });
    try {
      const long = counter();
      bus.subscribe("y".repeat(7_001), long.listener);
      const boot = counter();
      bus.subscribe("boot", boot.listener);
      await until("the subscription to be active", () => boot.calls > 0);
      await within(5_000, bus.publish(["y".repeat(7_001)]));
      await within(5_000, bus.publish(["é".repeat(3_600)])); // 7,200 bytes: measured in bytes, not characters
      // Beside a thread id that fits, the long one is dropped and the other still notified.
      const fence = counter();
      bus.subscribe("fence", fence.listener);
      await bus.publish(["y".repeat(7_001), "fence"]);
      await until("the fence", () => fence.calls > 0);
      expect(long.calls).toBe(1); // the "listening" call only
    } finally {
      await bus.close();
    }
  });

  it("refuses a channel that is not a PostgreSQL identifier's length", () => {
    expect(() => createPostgresEventBus({ databaseUrl: "postgres://127.0.0.1:1/x", channel: "c".repeat(64), logger: quiet })).toThrow(
      /1 to 63 bytes/,
    );
  });
});
