// Jest globalTeardown (plain ESM: see load-harness.js): destroys the PostgreSQL that
// global-setup.js started, if it started one.
import { SHARED_PGBOUNCER, SHARED_POSTGRES } from "./load-harness.js";

export default async function globalTeardown() {
  /** @type {import('./start-pgbouncer.js').PgBouncerInstance | undefined} */
  const pgbouncer = Reflect.get(globalThis, SHARED_PGBOUNCER);
  if (pgbouncer !== undefined) {
    Reflect.deleteProperty(globalThis, SHARED_PGBOUNCER);
    delete process.env.CHECKPOINTD_TEST_PGBOUNCER_URL;
    await pgbouncer.stop();
  }
  /** @type {import('./start-postgres.js').PostgresInstance | undefined} */
  const postgres = Reflect.get(globalThis, SHARED_POSTGRES);
  if (postgres === undefined) return;
  Reflect.deleteProperty(globalThis, SHARED_POSTGRES);
  delete process.env.CHECKPOINTD_TEST_DATABASE_URL;
  await postgres.destroy();
}
