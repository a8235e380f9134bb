import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { WatchEvent } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import { pino } from "pino";
import { createDatabase, startRedis, type RedisInstance } from "@checkpointd/test-support";
import {
  createTenantTestAuthenticator,
  probeMetadata,
  seedThread,
  startTestServer,
  tenantClient,
  type CheckpointClient,
  type TestServer,
} from "@checkpointd/test-support/server";
import type { EventBus } from "../events/event-bus.js";
import { createPostgresEventBus } from "../events/postgres-event-bus.js";
import { createRedisEventBus } from "../events/redis-event-bus.js";
import { threadTopic } from "../events/thread-topic.js";

const logger = pino({ level: process.env.CHECKPOINTD_TEST_LOG_LEVEL ?? "silent" });
/** Only the bus can deliver in time: the heartbeat re-read (the fallback) comes once a minute. */
const HEARTBEAT_MS = 60_000;
const DELIVERY_MS = 5_000;

/** The first event a stream pushes that is not a heartbeat, within DELIVERY_MS. */
async function firstEvent(stream: AsyncIterator<{ event?: WatchEvent | undefined }>): Promise<WatchEvent> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no event within ${DELIVERY_MS} ms`)), DELIVERY_MS);
  });
  try {
    for (;;) {
      const r = await Promise.race([stream.next(), timeout]);
      if (r.done === true) throw new Error("stream ended");
      if (r.value.event !== undefined && r.value.event.kind.case !== "heartbeat") return r.value.event;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Two replicas on one PostgreSQL database, each with its own bus of the kind under test. */
describe.each(["redis", "postgres"] as const)("tenants across two replicas through the %s bus", (kind) => {
  let redis: RedisInstance | undefined;
  let url: string;
  const buses: EventBus[] = [];
  const replicas: TestServer[] = [];
  const newBus = () => {
    const bus = kind === "redis" ? createRedisEventBus({ url: redis!.url, logger }) : createPostgresEventBus({ databaseUrl: url, logger });
    return bus;
  };

  beforeAll(async () => {
    if (kind === "redis") redis = await startRedis();
    url = await createDatabase(process.env.CHECKPOINTD_TEST_DATABASE_URL!);
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await startTestServer("postgres", url, {
          authenticator: createTenantTestAuthenticator(),
          bus: newBus(),
          heartbeatMs: HEARTBEAT_MS,
        }),
      );
    }
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    for (const bus of buses) await bus.close();
    await redis?.stop();
  });

  it("no event of one tenant reaches another's watchers of the same thread id, and the bus names the tenant", async () => {
    const [one, two] = replicas as [TestServer, TestServer];
    const owner: CheckpointClient[] = [tenantClient(one, "grpc", "owner"), tenantClient(two, "grpc", "owner")];
    const prober: CheckpointClient[] = [tenantClient(one, "grpc", "prober"), tenantClient(two, "grpc", "prober")];
    const threadId = `replicated-${kind}`;
    await seedThread(owner[0]!, threadId);

    // A listener of its own on the bus: which topics a write on replica one notifies.
    const observer = newBus();
    buses.push(observer);
    const heard: string[] = [];
    for (const tenant of ["owner", "prober"]) observer.subscribe(threadTopic(tenant, threadId), () => heard.push(tenant));

    const calls = new AbortController();
    const proberStream = prober[1]!.subscribe({ threadId, afterEventId: 0n }, { signal: calls.signal })[Symbol.asyncIterator]();
    const counter = await one.db
      .selectFrom("thread_event_counters")
      .select("last_event_id")
      .where("tenant", "=", "owner")
      .where("thread_id", "=", threadId)
      .executeTakeFirstOrThrow();
    const afterEventId = BigInt(counter.last_event_id);
    const ownerStream = owner[1]!.subscribe({ threadId, afterEventId }, { signal: calls.signal })[Symbol.asyncIterator]();
    const proberGot = firstEvent(proberStream);
    // Let both subscriptions reach the server before the writes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    heard.length = 0;

    const next = {
      config: { threadId, checkpointNs: "", checkpointId: "1f0a0000-0000-6000-8000-000000000003" },
      checkpoint: { v: 4, id: "1f0a0000-0000-6000-8000-000000000004", ts: "2026-11-23T00:00:04Z" },
      metadata: { step: 3 },
    };
    await owner[0]!.put(next);
    // The owner's watcher on the other replica hears of it through the bus (the heartbeat is a minute away).
    const ownerEvent = await firstEvent(ownerStream);
    expect(ownerEvent.kind.case === "checkpointSaved" && ownerEvent.kind.value.metadata).toEqual({ step: 3 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).not.toContain("prober");
    expect(heard).toContain("owner");

    await prober[0]!.put({ ...next, metadata: probeMetadata });
    const proberEvent = await proberGot;
    expect(proberEvent.eventId).toBe(1n);
    expect(proberEvent.kind.case === "checkpointSaved" && proberEvent.kind.value.metadata).toEqual(probeMetadata);
    calls.abort();
  });
});
