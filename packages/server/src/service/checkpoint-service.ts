import type { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { PruneStrategy } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { invalidArgument } from "../errors/service-error.js";
import type { CheckpointStorage, PruneStrategy as StoragePruneStrategy } from "../storage/checkpoint-storage.js";
import { checkpointFromProto, tupleToProto, versionsFromProto } from "./proto-mapping.js";
import type { ServiceImpl } from "./service-impl.js";
import { requireConfig, requireField } from "./validate-request.js";

const pruneStrategies: Record<number, StoragePruneStrategy> = {
  [PruneStrategy.UNSPECIFIED]: "keep_latest",
  [PruneStrategy.KEEP_LATEST]: "keep_latest",
  [PruneStrategy.DELETE]: "delete",
};

/** checkpointd.v1.CheckpointService: validation and mapping around storage. */
export function createCheckpointService(storage: CheckpointStorage): ServiceImpl<typeof CheckpointService> {
  return {
    async put(req) {
      const config = requireConfig(req.config, "config");
      if (req.checkpoint === undefined) throw invalidArgument("checkpoint is required");
      requireField(req.checkpoint.id, "checkpoint.id");
      const key = await storage.put({
        threadId: config.threadId,
        checkpointNs: config.checkpointNs,
        parentCheckpointId: config.checkpointId,
        checkpoint: checkpointFromProto(req.checkpoint),
        metadata: req.metadata ?? {},
        newVersions: versionsFromProto(req.newVersions, "new_versions"),
      });
      return { config: key };
    },

    async putWrites(req) {
      const config = requireConfig(req.config, "config");
      const checkpointId = requireField(config.checkpointId ?? "", "config.checkpoint_id");
      const taskId = requireField(req.taskId, "task_id");
      const writes = req.writes.map((w, i) => {
        if (w.taskId !== "" && w.taskId !== taskId) throw invalidArgument(`writes[${i}].task_id differs from task_id`);
        if (w.value === undefined) throw invalidArgument(`writes[${i}].value is required`);
        return { channel: requireField(w.channel, `writes[${i}].channel`), value: w.value };
      });
      await storage.putWrites({ key: { ...config, checkpointId }, taskId, taskPath: req.taskPath, writes });
      return {};
    },

    async getTuple(req) {
      const config = requireConfig(req.config, "config");
      const tuple = await storage.getTuple(config);
      return tuple === undefined ? {} : { tuple: tupleToProto(tuple) };
    },

    async *list(req, { signal }) {
      if (req.limit !== undefined && req.limit < 0) throw invalidArgument("limit must not be negative");
      const threadId = req.config?.threadId || undefined;
      const query = {
        threadId,
        checkpointNs: req.config?.checkpointNs,
        checkpointId: threadId === undefined ? undefined : req.config?.checkpointId || undefined,
        filter: req.filter,
        beforeCheckpointId: req.before?.checkpointId || undefined,
        limit: req.limit,
      };
      for await (const tuple of storage.list(query, signal)) yield { tuple: tupleToProto(tuple) };
    },

    async deleteThread(req) {
      await storage.deleteThread(requireField(req.threadId, "thread_id"));
      return {};
    },

    async copyThread(req) {
      const source = requireField(req.sourceThreadId, "source_thread_id");
      const target = requireField(req.targetThreadId, "target_thread_id");
      if (source === target) throw invalidArgument("target_thread_id must differ from source_thread_id");
      await storage.copyThread(source, target);
      return {};
    },

    async deleteForRuns(req) {
      req.runIds.forEach((id, i) => requireField(id, `run_ids[${i}]`));
      return { deleted: BigInt((await storage.deleteForRuns(req.runIds)).deleted) };
    },

    async prune(req) {
      const strategy = pruneStrategies[req.strategy];
      if (strategy === undefined) throw invalidArgument(`strategy ${req.strategy} is not a known PruneStrategy`);
      req.threadIds.forEach((id, i) => requireField(id, `thread_ids[${i}]`));
      await storage.prune(req.threadIds, strategy);
      return {};
    },
  };
}
