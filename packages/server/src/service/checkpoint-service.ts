import type { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { PruneStrategy } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { invalidArgument, type ErrorLogger } from "../errors/service-error.js";
import { newEvent } from "../mapping/event-codec.js";
import type { CallIdentity } from "../domain/call-identity.js";
import type { PruneStrategy as StoragePruneStrategy } from "../storage/checkpoint-storage.js";
import { checkpointFromProto, tupleToProto, versionsFromProto } from "../mapping/proto-mapping.js";
import { threadStorageToProto } from "../mapping/thread-storage-to-proto.js";
import { awaitCheckpoint, interruptCheckpointWaitMs } from "./await-checkpoint.js";
import { createBatchMethod } from "./batch-method.js";
import type { ServiceImpl } from "./service-impl.js";
import type { TenantScope } from "./tenant-scopes.js";
import { createWatchService } from "./watch-service.js";
import { createLeaseService } from "./lease-service.js";
import { fencingTokenOf } from "./fencing-token.js";
import { noRetention, type RetentionDefaults } from "../domain/retention-policy.js";
import { policyFromProto, threadToProto } from "../mapping/retention-mapping.js";
import { optionalTime, requireConfig, requireField } from "./validate-request.js";

/** Channels one GetDeltaChannelHistory may name. */
const maxHistoryChannels = 1000;

const pruneStrategies: Record<number, StoragePruneStrategy> = {
  [PruneStrategy.UNSPECIFIED]: "keep_latest",
  [PruneStrategy.KEEP_LATEST]: "keep_latest",
  [PruneStrategy.DELETE]: "delete",
};

export interface CheckpointServiceOptions {
  /** Where the unexpected failures of a Batch's calls go (each is INTERNAL to the client). */
  logError?: ErrorLogger;
  /** The server's retention defaults: what GetThread shows for unset fields, and refresh-on-read (default: none). */
  retention?: RetentionDefaults;
}

/**
 * checkpointd.v1.CheckpointService: validation and mapping around storage.
 * Writes append their thread events in the same transaction and then tell the
 * event hub, which wakes the thread's watchers on every replica. The service
 * holds no storage and no hub: each handler gets them from `scopeOf` with its
 * call's identity (see tenant-scopes.ts), so another tenant's thread is a
 * thread that does not exist.
 */
export function createCheckpointService(
  scopeOf: (identity: CallIdentity) => TenantScope,
  options: CheckpointServiceOptions = {},
): ServiceImpl<typeof CheckpointService> {
  const retention = options.retention ?? noRetention;
  const service: ServiceImpl<typeof CheckpointService> = {
    ...createWatchService(scopeOf),
    ...createLeaseService(scopeOf),

    async put(req, { identity, fencingToken }) {
      const { storage, hub } = scopeOf(identity);
      const config = requireConfig(req.config, "config");
      if (req.checkpoint === undefined) throw invalidArgument("checkpoint is required");
      requireField(req.checkpoint.id, "checkpoint.id");
      const saved = { threadId: config.threadId, checkpointNs: config.checkpointNs, checkpointId: req.checkpoint.id };
      const parent = config.checkpointId === undefined ? {} : { parentConfig: { ...saved, checkpointId: config.checkpointId } };
      const key = await storage.put(
        {
          threadId: config.threadId,
          checkpointNs: config.checkpointNs,
          parentCheckpointId: config.checkpointId,
          checkpoint: checkpointFromProto(req.checkpoint),
          metadata: req.metadata ?? {},
          newVersions: versionsFromProto(req.newVersions, "new_versions"),
          fencingToken: fencingTokenOf(req.fencingToken, fencingToken),
        },
        [newEvent(config.checkpointNs, { case: "checkpointSaved", value: { config: saved, metadata: req.metadata ?? {}, ...parent } })],
      );
      hub.publish(config.threadId);
      return { config: key };
    },

    async putWrites(req, { identity, fencingToken }) {
      const { storage, hub } = scopeOf(identity);
      const config = requireConfig(req.config, "config");
      const checkpointId = requireField(config.checkpointId ?? "", "config.checkpoint_id");
      const token = fencingTokenOf(req.fencingToken, fencingToken);
      const taskId = requireField(req.taskId, "task_id");
      const writes = req.writes.map((w, i) => {
        if (w.taskId !== "" && w.taskId !== taskId) throw invalidArgument(`writes[${i}].task_id differs from task_id`);
        if (w.value === undefined) throw invalidArgument(`writes[${i}].value is required`);
        return { channel: requireField(w.channel, `writes[${i}].channel`), value: w.value };
      });
      const key = { ...config, checkpointId };
      const task = { config: key, taskId, taskPath: req.taskPath };
      const interrupts = writes.filter((w) => w.channel === "__interrupt__");
      // "interrupted" promises a thread paused at this checkpoint: its writes may overtake it.
      if (interrupts.length > 0) await awaitCheckpoint(storage, key, interruptCheckpointWaitMs);
      const events = [
        newEvent(config.checkpointNs, { case: "writesSaved", value: { ...task, channels: writes.map((w) => w.channel) } }),
        ...interrupts.map((w) => newEvent(config.checkpointNs, { case: "interrupted", value: { ...task, value: w.value } })),
      ];
      await storage.putWrites({ key, taskId, taskPath: req.taskPath, writes, fencingToken: token }, events);
      hub.publish(config.threadId);
      return {};
    },

    async getTuple(req, { identity }) {
      const { storage } = scopeOf(identity);
      const config = requireConfig(req.config, "config");
      const asOf = optionalTime(req.asOf, "as_of");
      if (asOf !== undefined && config.checkpointId !== undefined)
        throw invalidArgument("as_of and config.checkpoint_id exclude each other: name a checkpoint or a time, not both");
      const tuple = await storage.getTuple(asOf === undefined ? config : { ...config, asOf });
      if (tuple !== undefined && retention.refreshOnRead) await storage.touchThread(config.threadId);
      return tuple === undefined ? {} : { tuple: tupleToProto(tuple) };
    },

    async *list(req, { signal, identity }) {
      const { storage } = scopeOf(identity);
      if (req.limit !== undefined && req.limit < 0) throw invalidArgument("limit must not be negative");
      const threadId = req.config?.threadId || undefined;
      const query = {
        threadId,
        checkpointNs: req.config?.checkpointNs,
        checkpointId: threadId === undefined ? undefined : req.config?.checkpointId || undefined,
        filter: req.filter,
        beforeCheckpointId: req.before?.checkpointId || undefined,
        limit: req.limit,
        afterTs: optionalTime(req.afterTs, "after_ts"),
        beforeTs: optionalTime(req.beforeTs, "before_ts"),
      };
      for await (const tuple of storage.list(query, signal)) yield { tuple: tupleToProto(tuple) };
    },

    async deleteThread(req, { identity, fencingToken }) {
      const { storage, hub } = scopeOf(identity);
      const threadId = requireField(req.threadId, "thread_id");
      const token = fencingTokenOf(req.fencingToken, fencingToken);
      await storage.deleteThread(threadId, [newEvent("", { case: "threadDeleted", value: {} })], token);
      hub.publish(threadId);
      return {};
    },

    async copyThread(req, { identity }) {
      const { storage } = scopeOf(identity);
      const source = requireField(req.sourceThreadId, "source_thread_id");
      const target = requireField(req.targetThreadId, "target_thread_id");
      if (source === target) throw invalidArgument("target_thread_id must differ from source_thread_id");
      await storage.copyThread(source, target);
      return {};
    },

    async deleteForRuns(req, { identity }) {
      const { storage } = scopeOf(identity);
      req.runIds.forEach((id, i) => requireField(id, `run_ids[${i}]`));
      return { deleted: BigInt((await storage.deleteForRuns(req.runIds)).deleted) };
    },

    async prune(req, { identity }) {
      const { storage, hub } = scopeOf(identity);
      const strategy = pruneStrategies[req.strategy];
      if (strategy === undefined) throw invalidArgument(`strategy ${req.strategy} is not a known PruneStrategy`);
      req.threadIds.forEach((id, i) => requireField(id, `thread_ids[${i}]`));
      await storage.prune(req.threadIds, strategy, newEvent("", { case: "threadDeleted", value: {} }));
      if (strategy === "delete") for (const threadId of req.threadIds) hub.publish(threadId);
      return {};
    },

    async setRetention(req, { identity }) {
      const { storage } = scopeOf(identity);
      const threadId = requireField(req.threadId, "thread_id");
      await storage.setRetention(threadId, policyFromProto(req.policy));
      return { thread: threadToProto(await storage.getThread(threadId), retention) };
    },

    async getThread(req, { identity }) {
      const { storage } = scopeOf(identity);
      const threadId = requireField(req.threadId, "thread_id");
      return { thread: threadToProto(await storage.getThread(threadId), retention) };
    },

    async getDeltaChannelHistory(req, { identity }) {
      const { storage } = scopeOf(identity);
      const config = requireConfig(req.config, "config");
      if (req.channels.length > maxHistoryChannels)
        throw invalidArgument(`channels has ${req.channels.length} names; at most ${maxHistoryChannels}`);
      req.channels.forEach((channel, i) => requireField(channel, `channels[${i}]`));
      const histories = await storage.deltaChannelHistory({ ...config, channels: req.channels });
      return {
        histories: Object.fromEntries(
          Object.entries(histories).map(([channel, h]) => [
            channel,
            h.seed === undefined ? { writes: h.writes } : { writes: h.writes, seed: h.seed },
          ]),
        ),
      };
    },

    async getThreadStorage(req, { identity }) {
      const { storage } = scopeOf(identity);
      const threadId = requireField(req.threadId, "thread_id");
      return threadStorageToProto(await storage.threadStorage(threadId));
    },

    batch: (req, context) => batch(req, context),
  };
  const batch = createBatchMethod(service, options.logError);
  return service;
}
