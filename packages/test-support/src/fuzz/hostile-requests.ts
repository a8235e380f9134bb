import { type MessageInitShape } from "@bufbuild/protobuf";
import { PruneStrategy, type TtlStrategy } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import {
  hostileConfig,
  hostileString,
  hostileStruct,
  hostileValue,
  hostileVersion,
  mapOf,
  shortString,
  specialChannels,
} from "./hostile-values.js";
import { type Method, methods } from "./methods.js";
import { Rng } from "./rng.js";

export function hostileRequest(r: Rng, method: Method, flags: { heavy?: boolean } = {}): MessageInitShape<Method["schema"]> {
  // At most one huge collection per request.
  const big = r.chance(0.05) ? r.int(0, 5) : -1;
  flags.heavy = big >= 0;
  const size = () => r.pick([0, 0, 1, 2, 3, 5]);
  switch (method.local) {
    case "put":
      return {
        config: hostileConfig(r),
        checkpoint: r.chance(0.08)
          ? undefined
          : {
              v: r.pick([0, 1, 4, -1, 2 ** 31 - 1, -(2 ** 31)]),
              id: r.chance(0.6) ? `c${r.int(0, 50)}` : hostileString(r),
              ts: r.chance(0.5) ? new Date(0).toISOString() : shortString(r),
              channelValues: mapOf(r, big === 0 ? 10_000 : size(), () => hostileValue(r)),
              channelVersions: mapOf(r, big === 1 ? 10_000 : size(), () => hostileVersion(r)),
              versionsSeen: mapOf(r, big === 2 ? 10_000 : size(), () => ({ versions: mapOf(r, size(), () => hostileVersion(r)) })),
              updatedChannels: Array.from({ length: size() }, () => shortString(r)),
              pendingSends: Array.from({ length: size() }, () => hostileValue(r)),
              extra: mapOf(r, big === 3 ? 10_000 : size(), () => hostileValue(r)),
            },
        metadata: hostileStruct(r, big === 4),
        newVersions: mapOf(r, big === 5 ? 10_000 : size(), () => hostileVersion(r)),
      };
    case "putWrites": {
      const taskId = r.chance(0.8) ? `task${r.int(0, 5)}` : shortString(r);
      return {
        config: hostileConfig(r),
        taskId,
        taskPath: shortString(r),
        writes: Array.from({ length: big >= 0 ? 10_000 : size() }, () => ({
          taskId: r.chance(0.8) ? "" : r.chance(0.5) ? taskId : shortString(r),
          channel: r.chance(0.4) ? r.pick(specialChannels) : shortString(r),
          value: r.chance(0.1) ? undefined : hostileValue(r),
          taskPath: shortString(r),
        })),
      };
    }
    case "getTuple":
      return { config: hostileConfig(r) };
    case "list":
      return {
        config: hostileConfig(r),
        filter: r.chance(0.5) ? hostileStruct(r, big >= 0) : undefined,
        before: r.chance(0.3) ? { checkpointId: hostileString(r) } : undefined,
        limit: r.pick([undefined, -1, -(2 ** 31), 0, 1, 3, 2 ** 31 - 1]),
      };
    case "deleteThread":
      return { threadId: hostileString(r) };
    case "copyThread": {
      const source = hostileString(r);
      return { sourceThreadId: source, targetThreadId: r.chance(0.2) ? source : hostileString(r) };
    }
    case "deleteForRuns":
      return { runIds: Array.from({ length: size() }, () => shortString(r)) };
    case "prune":
      return { threadIds: Array.from({ length: size() }, () => shortString(r)), strategy: r.pick([0, 1, 2, 3, 99, -1, 2 ** 31 - 1]) };
    case "setRetention": {
      const duration = () =>
        r.chance(0.3)
          ? undefined
          : { seconds: r.pick([0n, 1n, -1n, 86_400n, 2n ** 62n, -(2n ** 63n)]), nanos: r.pick([0, 1, -1, 999_999_999]) };
      return {
        threadId: hostileString(r),
        policy: r.chance(0.2)
          ? undefined
          : {
              maxVersions: r.pick([undefined, 0, 1, 100, -1, 2 ** 31 - 1, -(2 ** 31)]),
              maxAge: duration(),
              ttl: duration(),
              ttlStrategy: r.pick([0, 1, 2, 3, 99, -1]) as TtlStrategy,
              pinned: r.chance(0.3),
            },
      };
    }
    case "getThread":
      return { threadId: hostileString(r) };
  }
}

/**
 * A request that is valid but huge: 10k-entry maps, 10k writes, 70k ids. Puts
 * go to three checkpoint ids of two "big" threads (so at most six such
 * checkpoints exist), which the reads then load back.
 */
export function bigRequest(r: Rng): { method: Method; request: MessageInitShape<Method["schema"]> } {
  const method = methods[r.pick([0, 0, 0, 1, 2, 2, 3, 3, 5, 6, 7])]!;
  const threadId = `big${r.int(0, 1)}`;
  const tenK = <T>(make: (i: number) => T) => Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`channel-${i}`, make(i)]));
  const step = r.int(1, 1_000);
  switch (method.local) {
    case "put": {
      const version = { kind: { case: "intValue" as const, value: BigInt(step) } };
      return {
        method,
        request: {
          config: { threadId },
          checkpoint: {
            v: 4,
            id: `1ef-big-${r.int(0, 2)}`,
            ts: new Date().toISOString(),
            channelValues: tenK((i) => ({ type: "json", data: Buffer.from(String(i)) })),
            channelVersions: tenK(() => version),
            versionsSeen: r.chance(0.3) ? tenK(() => ({ versions: { a: version } })) : {},
          },
          metadata: r.chance(0.3) ? hostileStruct(r, true) : { step, run_id: `run-${step}` },
          newVersions: tenK(() => version),
        },
      };
    }
    case "putWrites":
      return {
        method,
        request: {
          config: { threadId, checkpointId: `1ef-big-${r.int(0, 2)}` },
          taskId: "task",
          writes: Array.from({ length: 10_000 }, (_, i) => ({ channel: `channel-${i}`, value: { type: "json", data: Buffer.from("1") } })),
        },
      };
    case "getTuple":
      return { method, request: { config: { threadId } } };
    case "list":
      return {
        method,
        request: {
          config: r.chance(0.7) ? { threadId } : undefined,
          limit: r.pick([undefined, 2, 150]),
          filter: r.chance(0.2) ? hostileStruct(r, true) : undefined,
        },
      };
    case "copyThread":
      return { method, request: { sourceThreadId: threadId, targetThreadId: threadId === "big0" ? "big1" : "big0" } };
    case "deleteForRuns":
      // run-1 ... run-1000 are the big checkpoints' run ids.
      return { method, request: { runIds: Array.from({ length: r.pick([10_000, 70_000]) }, (_, i) => `run-${i}`) } };
    default:
      return r.chance(0.5)
        ? { method, request: { threadIds: ["big0", "big1"], strategy: PruneStrategy.KEEP_LATEST } }
        : {
            method,
            request: {
              threadIds: Array.from({ length: r.pick([10_000, 70_000]) }, (_, i) => `unknown-thread-${i}`),
              strategy: r.pick([0, 1, 2]),
            },
          };
  }
}

/** A valid encoding of some request, for mutation. */
