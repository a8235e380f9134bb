// Jest globalSetup (plain ESM: see load-harness.js for why). Unless CHECKPOINTD_TEST_DATABASE_URL
// is already set, starts one PostgreSQL for the whole run and exports its admin URL there; then
// starts one PgBouncer in transaction mode in front of it (every database by name) and exports
// its URL as CHECKPOINTD_TEST_PGBOUNCER_URL (the "pgbouncer" test engine). Jest workers inherit
// the environment.
import { SHARED_PGBOUNCER, SHARED_POSTGRES, loadHarness } from "./load-harness.js";

export default async function globalSetup() {
  const { startPostgres, startPgBouncer } = await loadHarness();
  if (!process.env.CHECKPOINTD_TEST_DATABASE_URL) {
    const postgres = await startPostgres();
    Reflect.set(globalThis, SHARED_POSTGRES, postgres);
    process.env.CHECKPOINTD_TEST_DATABASE_URL = postgres.url;
  }
  if (!process.env.CHECKPOINTD_TEST_PGBOUNCER_URL) {
    const pgbouncer = await startPgBouncer({
      upstreamUrl: process.env.CHECKPOINTD_TEST_DATABASE_URL,
      allDatabases: true,
      poolMode: "transaction",
      poolSize: 20,
    });
    Reflect.set(globalThis, SHARED_PGBOUNCER, pgbouncer);
    process.env.CHECKPOINTD_TEST_PGBOUNCER_URL = pgbouncer.url;
  }
}
