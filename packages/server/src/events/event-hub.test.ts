import { describe, expect, it } from "@jest/globals";
import type { TenantStorage } from "../storage/checkpoint-storage.js";
import type { EventBus } from "./event-bus.js";
import { createEventHub } from "./event-hub.js";
import { threadTopic } from "./thread-topic.js";

/** An EventBus that records what it is asked to publish (publishing is all these tests use). */
function recordingBus(): EventBus & { published: string[][] } {
  const published: string[][] = [];
  return {
    published,
    async publish(threadIds) {
      published.push([...threadIds]);
    },
    subscribe: () => () => undefined,
    async close() {},
  };
}

const unusedStorage = {} as TenantStorage;
const topics = (...threads: string[]) => threads.map((t) => threadTopic("t", t));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("EventHub.publish", () => {
  it("hands the threads published in one turn to the bus as one publish, each thread once", async () => {
    const bus = recordingBus();
    const hub = createEventHub({ storage: unusedStorage, bus, heartbeatMs: 60_000 });
    for (const threadId of ["a", "b", "a", "c"]) hub.forTenant("t").publish(threadId);
    expect(bus.published).toEqual([]);
    await nextTurn();
    expect(bus.published).toEqual([topics("a", "b", "c")]);
  });

  it("publishes a later turn's threads in a publish of their own", async () => {
    const bus = recordingBus();
    const hub = createEventHub({ storage: unusedStorage, bus, heartbeatMs: 60_000 });
    hub.forTenant("t").publish("a");
    await nextTurn();
    hub.forTenant("t").publish("a");
    hub.forTenant("t").publish("b");
    await nextTurn();
    await nextTurn();
    expect(bus.published).toEqual([topics("a"), topics("a", "b")]);
  });

  it("keeps publishing after the bus rejected", async () => {
    const bus = recordingBus();
    let fail = true;
    const publish = bus.publish.bind(bus);
    bus.publish = async (threadIds) => {
      await publish(threadIds);
      if (fail) throw new Error("bus down");
    };
    const hub = createEventHub({ storage: unusedStorage, bus, heartbeatMs: 60_000 });
    hub.forTenant("t").publish("a");
    await nextTurn();
    fail = false;
    hub.forTenant("t").publish("b");
    await nextTurn();
    expect(bus.published).toEqual([topics("a"), topics("b")]);
  });

  it("names a thread by its tenant and id: the same id of two tenants is two topics", async () => {
    const bus = recordingBus();
    const hub = createEventHub({ storage: unusedStorage, bus, heartbeatMs: 60_000 });
    for (const tenant of ["x", "y", "x/a", "x%2Fa"]) hub.forTenant(tenant).publish("a");
    hub.forTenant("x").publish("a/a");
    await nextTurn();
    expect(new Set(bus.published[0]).size).toBe(5);
  });
});
