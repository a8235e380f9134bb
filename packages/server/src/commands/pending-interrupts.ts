import type { CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { decodeTypedValue } from "./decode-typed-value.js";

export interface PendingInterrupt {
  id: string;
  value: unknown;
  task_id: string;
}

/**
 * The interrupts a checkpoint's `__interrupt__` writes hold, decoded: LangGraph writes a list of
 * Interrupt objects (`{value, id}` in JSON from LangGraph.js, msgpack Interrupt objects from Python).
 */
export function pendingInterrupts(tuple: CheckpointTuple): PendingInterrupt[] {
  const out: PendingInterrupt[] = [];
  for (const write of tuple.pendingWrites) {
    if (write.channel !== "__interrupt__" || write.value === undefined) continue;
    const decoded = decodeTypedValue(write.value.type, write.value.data);
    for (const item of Array.isArray(decoded) ? decoded : [decoded]) {
      if (typeof item !== "object" || item === null) continue;
      const { id, value } = item as { id?: unknown; value?: unknown };
      if (typeof id === "string") out.push({ id, value, task_id: write.taskId });
    }
  }
  return out;
}
