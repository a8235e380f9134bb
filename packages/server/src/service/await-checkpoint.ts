import type { CheckpointKey } from "../domain/checkpoint.js";
import type { Storage } from "../storage/checkpoint-storage.js";

/** How long a PutWrites carrying an interrupt waits for the checkpoint it belongs to. */
export const interruptCheckpointWaitMs = 2_000;

/**
 * Waits until the checkpoint is stored, polling with a growing pause (5 ms up to 50 ms) for at
 * most `timeoutMs`. Resolves true when it is there, false when the time ran out.
 *
 * Why: LangGraph saves a step's checkpoint asynchronously (durability "async", its default) and
 * does not order a task's putWrites after it, so the writes of an interrupt can commit before
 * the checkpoint they are attached to. A watcher told "interrupted" must be able to resume at
 * once: reading the thread then has to give that checkpoint, not its parent.
 */
export async function awaitCheckpoint(storage: Pick<Storage, "hasCheckpoint">, key: CheckpointKey, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let pauseMs = 5;
  for (;;) {
    if (await storage.hasCheckpoint(key)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, left)));
    pauseMs = Math.min(pauseMs * 2, 50);
  }
}
