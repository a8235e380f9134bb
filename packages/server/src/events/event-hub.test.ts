import { describe, expect, it } from "@jest/globals";
import type { EventStorage } from "../storage/event-storage.js";
import type { EventBus } from "./event-bus.js";
import { createEventHub } from "./event-hub.js";

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

const unusedStorage = {} as EventStorage;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("EventHub.publish", () => {
  it("hands the threads published in one turn to the bus as one publish, each thread once", async () => {
    const bus = recordingBus();
    const hub = createEventHub({ storage: unusedStorage, bus, heartbeatMs: 60_000 });
    for (const threadId of ["a", "b", "a", "c"]) hub.publish(threadId);
    expect(bus.published).toEqual([]);
    await nextTurn();
    expect(bus.published).toEqual([["a", "b", "c"]]);
  });

  it("publishes a later turn's threads in a publish of their own", async () => {
    const bus = recordingBus();
    const hub = createEventHub({ storage: unusedStorage, bus, heartbeatMs: 60_000 });
    hub.publish("a");
    await nextTurn();
    hub.publish("a");
    hub.publish("b");
    await nextTurn();
    await nextTurn();
    expect(bus.published).toEqual([["a"], ["a", "b"]]);
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
    hub.publish("a");
    await nextTurn();
    fail = false;
    hub.publish("b");
    await nextTurn();
    expect(bus.published).toEqual([["a"], ["b"]]);
  });
});
