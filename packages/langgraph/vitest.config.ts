import { defineConfig } from "vitest/config";

/**
 * LangGraph's checkpointer validation suite against CheckpointdSaver and real
 * checkpointd servers (`pnpm test:validation`; build first: it runs the built
 * packages). The suite uses Vitest's globals.
 */
export default defineConfig({
  test: {
    include: ["validation/**/*.validation.ts"],
    globalSetup: ["validation/global-setup.ts"],
    globals: true,
    pool: "forks",
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
