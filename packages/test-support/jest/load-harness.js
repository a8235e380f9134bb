// Shared by global-setup.js and global-teardown.js. Jest loads global hooks outside its module
// runtime (no moduleNameMapper; a TS hook is transpiled to CommonJS and cannot resolve the
// `.js` suffixes of its imports), so these hooks are plain ESM and use the *built* harness,
// which the root `pnpm test` produces with `tsc -b` (packages/test-support included) before running jest.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = new URL("../dist/start-postgres.js", import.meta.url);
const builtPgBouncer = new URL("../dist/start-pgbouncer.js", import.meta.url);

/** Key on globalThis under which global setup leaves the shared PostgresInstance for teardown. */
export const SHARED_POSTGRES = Symbol.for("checkpointd.testing.sharedPostgres");
/** Key on globalThis under which global setup leaves the shared PgBouncerInstance for teardown. */
export const SHARED_PGBOUNCER = Symbol.for("checkpointd.testing.sharedPgBouncer");

/** @returns {Promise<typeof import('./start-postgres.js') & typeof import('./start-pgbouncer.js')>} */
export async function loadHarness() {
  if (!existsSync(built)) {
    throw new Error(
      `${fileURLToPath(built)} is missing: build first (\`pnpm run build\`; \`pnpm test\` does it), ` +
        "or set CHECKPOINTD_TEST_DATABASE_URL to use an existing PostgreSQL.",
    );
  }
  const [postgres, pgbouncer] = await Promise.all([import(built.href), import(builtPgBouncer.href)]);
  return { ...postgres, ...pgbouncer };
}
