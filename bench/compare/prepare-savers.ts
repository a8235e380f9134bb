import { CheckpointdSaver } from "@checkpointd/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import pg from "pg";
import { cloneThread } from "../cache/clone-thread.js";
import { clonePostgresSaverThread } from "./clone-postgres-saver-thread.js";
import type { ComparePlan } from "./compare-plan.js";
import { checkpointIds } from "./conversation-state.js";
import { capturePutRequests } from "./run-ghz-loads.js";
import { coldThreadsFor, seedHistory, type HistoryLayout, type WorkloadRun } from "./saver-workloads.js";
import type { CompareServices } from "./start-compare-services.js";

export interface PreparedSavers {
  postgresSaver: PostgresSaver;
  checkpointdSaver: CheckpointdSaver;
  /** The last PutRequest CheckpointdSaver sent (replayed by ghz). */
  capturedPut: ReturnType<typeof capturePutRequests>;
  history: HistoryLayout;
  close(): Promise<void>;
}

/** A PostgresSaver on its own pg pool of `poolSize`, its tables created by setup(). */
export async function createPostgresSaver(databaseUrl: string, poolSize: number): Promise<PostgresSaver> {
  const saver = new PostgresSaver(new pg.Pool({ connectionString: databaseUrl, max: poolSize }));
  await saver.setup();
  return saver;
}

/**
 * Both savers, each with the same 100-checkpoint history written through it
 * (same checkpoint ids), and SQL copies of that history, never read, for
 * every older-id (L1 miss) run the plan has.
 */
export async function prepareSavers(services: CompareServices, plan: ComparePlan, log: (m: string) => void): Promise<PreparedSavers> {
  const postgresSaver = await createPostgresSaver(services.saverDatabaseUrl, plan.saverPoolSize);
  const capturedPut = capturePutRequests();
  const checkpointdSaver = CheckpointdSaver.fromUrl(`127.0.0.1:${services.checkpointd.port}`, { interceptors: [capturedPut.interceptor] });
  try {
    const ids = checkpointIds(100);
    const history: HistoryLayout = {
      threadId: "bench-history",
      ids,
      coldThread: (run, seq) => `cold-r${run.round}-c${run.concurrency}-${run.phase}-${Math.floor(seq / (ids.length - 1))}`,
    };
    log("seeding the 100-checkpoint history through each saver");
    await seedHistory(postgresSaver, history);
    await seedHistory(checkpointdSaver, history);

    const cold: string[] = [];
    for (let round = 1; round <= plan.rounds; round++) {
      for (const concurrency of plan.concurrencies) {
        const runs: [WorkloadRun["phase"], number][] = [
          ["warm", Math.min(plan.warm(concurrency).maxOps, plan.missMaxOps(concurrency))],
          ["run", plan.missMaxOps(concurrency)],
        ];
        for (const [phase, maxOps] of runs) {
          const run = { round, concurrency, phase };
          for (let n = 0; n < coldThreadsFor(history, maxOps); n++) cold.push(history.coldThread(run, n * (ids.length - 1)));
        }
      }
    }
    log(`copying it into ${cold.length} never-read threads (${cold.length * ids.length} checkpoints) per saver, with SQL`);
    await cloneThread(services.checkpointdDatabaseUrl, history.threadId, cold);
    await clonePostgresSaverThread(services.saverDatabaseUrl, history.threadId, cold);
    // Vacuum now, so that autovacuum does not start on the copies in the middle of a measured loop.
    for (const url of [services.checkpointdDatabaseUrl, services.saverDatabaseUrl]) {
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      await db.query("vacuum analyze").finally(() => db.end());
    }
    return {
      postgresSaver,
      checkpointdSaver,
      capturedPut,
      history,
      async close() {
        await checkpointdSaver.close();
        await postgresSaver.end();
      },
    };
  } catch (error) {
    await checkpointdSaver.close();
    await postgresSaver.end();
    throw error;
  }
}
