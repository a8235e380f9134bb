/**
 * Jest for the checkpointd workspace. Run through the root `pnpm test`
 * (`tsc -b` first, then jest with NODE_OPTIONS=--experimental-vm-modules):
 * TypeScript tests are transformed by SWC and run as native ES modules.
 *
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/packages", "<rootDir>/examples"],
  testMatch: ["<rootDir>/packages/*/src/**/*.test.ts", "<rootDir>/examples/*/src/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/", "<rootDir>/bench/"],
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "es6" },
        sourceMaps: "inline",
      },
    ],
  },
  // Sources use NodeNext-style `.js` suffixes on relative imports of `.ts` files.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  // One PostgreSQL for the whole run (skipped when CHECKPOINTD_TEST_DATABASE_URL is set).
  globalSetup: "<rootDir>/packages/test-support/jest/global-setup.js",
  globalTeardown: "<rootDir>/packages/test-support/jest/global-teardown.js",
  testTimeout: 60_000,
  // Two test files at a time even on two cores (jest's default there is one): most of a file's time
  // is spent waiting on processes it started (servers, PostgreSQL, Redis) and on timers (TTLs,
  // partitions, sweeps), not on the CPU. One at a time, the suite alone took ~25 minutes of CI.
  maxWorkers: 2,
};
