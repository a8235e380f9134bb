/**
 * What the fencing check (checkpointd_fence, migration 0006) costs an unleased write: the
 * function is evaluated once per write, inside the write's statement. Times N evaluations in
 * one statement (no round trips) on a migrated PostgreSQL database, against the same statement
 * without the call, with 0 and with 10,000 leased threads in thread_leases. Bounded: N = 200,000,
 * 5 repetitions each.
 *
 *   node --import tsx put/measure-fence-cost.ts
 */
import pg from "pg";
import { connectDatabase, migrateToLatest } from "@checkpointd/server";
import { createDatabase, startPostgres } from "@checkpointd/test-support";

const N = 200_000;
const postgres = await startPostgres();
const url = await createDatabase(postgres.url);
const { db } = await connectDatabase({ databaseUrl: url, dataDir: "memory://" });
await migrateToLatest(db);
await db.destroy();
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const time = async (withFence: boolean): Promise<number> => {
    const started = process.hrtime.bigint();
    const where = withFence ? `checkpointd_fence('default', 'thread-' || g, 0) is not false` : `('thread-' || g) is not null`;
    await client.query(`select count(*) from generate_series(1, ${N}) g where ${where}`);
    return Number(process.hrtime.bigint() - started) / 1e3 / N;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const leased of [0, 10_000]) {
    if (leased > 0) {
      await client.query(`insert into thread_leases (tenant, thread_id, lease_id, holder, fencing_token, ttl_ms, state, expires_at, acquired_at)
        select 'default', 'leased-' || g, 'l' || g, 'h', 1, 60000, 'held', now() + interval '1 hour', now() from generate_series(1, ${leased}) g`);
      await client.query(`analyze thread_leases`);
    }
    const plain: number[] = [];
    const fenced: number[] = [];
    for (let i = 0; i < 5; i++) {
      plain.push(await time(false));
      fenced.push(await time(true));
    }
    process.stdout.write(
      `${leased} leased threads: ${median(plain).toFixed(3)} µs/row without the check, ${median(fenced).toFixed(3)} µs/row with it: ` +
        `the check costs ${(median(fenced) - median(plain)).toFixed(3)} µs per write\n`,
    );
  }
} finally {
  await client.end();
  await postgres.destroy();
}
