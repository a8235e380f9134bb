import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { Conversation, taskWrites } from "./conversation-state.js";
import { runClosedLoop } from "./run-closed-loop.js";

export interface WarmUpBounds {
  /** Conversation steps (a put, its writes, a latest read and a read by id) per saver and concurrency, at most. */
  maxSteps: number;
  /** And no step started after this long, per saver and concurrency. */
  maxMs: number;
  concurrencies: readonly number[];
}

/**
 * Runs every saver through the calls the cases make, before the first
 * measured loop, so that each case meets the server and this process as
 * they are after a while in service, not fresh ones. At one call in flight
 * a new checkpointd needs several thousand calls before V8 has optimised
 * its hot path: measured with ghz (Put, c=1, 1,000 calls a loop on one
 * server) its main thread spent 1.3 ms of CPU a Put in the first loop and
 * 0.79 ms in the fourth (bench/RESULTS.md, "Session 11"). The per-case
 * warm-up (a few hundred calls) warms that case's own path only. Each saver
 * gets the same bounds, on threads no case reads.
 */
export async function warmUpSavers(
  savers: readonly { name: string; saver: BaseCheckpointSaver }[],
  bounds: WarmUpBounds,
  log: (message: string) => void,
): Promise<void> {
  for (const concurrency of bounds.concurrencies) {
    for (const { name, saver } of savers) {
      const conversations = Array.from({ length: concurrency }, (_, w) => new Conversation(`warm-up-c${concurrency}-w${w}`));
      const result = await runClosedLoop(
        async (seq, worker) => {
          const conversation = conversations[worker]!;
          const call = conversation.next();
          const saved = await saver.put(call.config, call.checkpoint, call.metadata, call.newVersions);
          await saver.putWrites(saved, taskWrites(seq), `warm-${seq}`);
          await saver.getTuple({ configurable: { thread_id: conversation.threadId, checkpoint_ns: "" } });
          await saver.getTuple(call.config.configurable?.["checkpoint_id"] === undefined ? saved : call.config);
        },
        { concurrency, maxOps: bounds.maxSteps, maxMs: bounds.maxMs },
      );
      log(`warm-up ${name} c=${concurrency}: ${result.ops} steps in ${(result.elapsedMs / 1000).toFixed(1)} s, ${result.errors} errors`);
      if (result.errors > 0) throw new Error(`warm-up of ${name} failed: ${result.firstError}`);
    }
  }
}
