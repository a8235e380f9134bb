// Jest globalSetup (plain ESM: see load-harness.js for why). Unless CHECKPOINTD_TEST_DATABASE_URL
// is already set, starts one PostgreSQL for the whole run and exports its admin URL there;
// jest workers inherit the environment.
import { SHARED_POSTGRES, loadHarness } from "./load-harness.js";

export default async function globalSetup() {
  if (process.env.CHECKPOINTD_TEST_DATABASE_URL) return;
  const { startPostgres } = await loadHarness();
  const postgres = await startPostgres();
  Reflect.set(globalThis, SHARED_POSTGRES, postgres);
  process.env.CHECKPOINTD_TEST_DATABASE_URL = postgres.url;
}
