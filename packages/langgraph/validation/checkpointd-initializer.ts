import { randomBytes } from "node:crypto";
import { runCheckpointd, type RunningCheckpointd } from "@checkpointd/test-support";
import type { CheckpointSaverTestInitializer } from "@langchain/langgraph-checkpoint-validation";
import pg from "pg";
import { inject } from "vitest";
import { CheckpointdSaver } from "../dist/index.js";

/**
 * Every saver the suite creates talks to its own, new checkpointd process, so it
 * starts on empty storage: the suite lists "all threads" and expects only what that
 * saver wrote. Embedded by default (PGlite, memory://); on PostgreSQL each server
 * gets a new database, dropped afterwards, and with Redis an L1 cache under a key
 * prefix of its own. Servers start a few ahead of need, so that the suite seldom
 * waits for one. See global-setup.ts for where the data lives.
 */
const adminUrl = inject("validationDatabaseUrl") || undefined;
const redisUrl = inject("validationRedisUrl") || undefined;
const keysFile = inject("validationKeysFile") || undefined;
/** The API key the savers send when the servers authenticate (global-setup.ts writes its keys file). */
const token = process.env.CHECKPOINTD_VALIDATION_TOKEN || undefined;

interface Backend {
  server: RunningCheckpointd;
  database: string | undefined;
}

function databaseUrl(admin: string, database: string): string {
  const url = new URL(admin);
  url.pathname = `/${database}`;
  return url.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function startBackend(): Promise<Backend> {
  const suffix = randomBytes(6).toString("hex");
  let database: string | undefined;
  if (adminUrl !== undefined) {
    database = `cpd_validation_${suffix}`;
    await adminQuery(`create database ${database}`);
  }
  try {
    const server = await runCheckpointd({
      startTimeoutMs: 110_000,
      ...(database === undefined ? {} : { databaseUrl: databaseUrl(adminUrl!, database) }),
      ...(redisUrl === undefined ? {} : { redisUrl }),
      // Nothing is in flight when a saver is destroyed. A short grace also sidesteps a server
      // shutdown that now and then waits out the whole grace with no connection left open.
      args: [
        "--shutdown-grace-ms",
        "500",
        ...(redisUrl === undefined ? [] : ["--cache-key-prefix", `cpdv_${suffix}:`]),
        ...(keysFile === undefined ? [] : ["--auth-keys-file", keysFile]),
      ],
    });
    return { server, database };
  } catch (error) {
    if (database !== undefined) await adminQuery(`drop database if exists ${database} with (force)`);
    throw error;
  }
}

async function stopBackend({ server, database }: Backend): Promise<void> {
  await server.stop();
  if (database !== undefined) await adminQuery(`drop database if exists ${database} with (force)`);
}

/** Servers started ahead of need (default 2; each takes a couple of seconds to start). */
const ahead = Math.max(1, Number(process.env.CHECKPOINTD_VALIDATION_PREWARM ?? 2));
const warm: Promise<Backend>[] = [];
const inUse = new Map<CheckpointdSaver, Backend>();
let created = 0;

function prewarm(): void {
  while (warm.length < ahead) {
    const backend = startBackend();
    backend.catch(() => undefined);
    warm.push(backend);
  }
}

export const checkpointdInitializer: CheckpointSaverTestInitializer<CheckpointdSaver> = {
  checkpointerName: "@checkpointd/langgraph",
  beforeAllTimeout: 60_000,
  beforeAll() {
    prewarm();
  },
  async afterAll() {
    const pending = warm.splice(0);
    const leftovers = [...inUse.values()];
    inUse.clear();
    await Promise.all([...leftovers.map(stopBackend), ...pending.map((p) => p.then(stopBackend, () => undefined))]);
    // Printed for the record: how many fresh servers the suite used.
    process.stdout.write(
      `checkpointd validation: ${created} savers, each on a fresh server (${adminUrl === undefined ? "embedded PGlite" : "PostgreSQL"}${redisUrl === undefined ? "" : " + Redis"}${keysFile === undefined ? "" : ", API key auth"})\n`,
    );
  },
  async createCheckpointer() {
    prewarm();
    const backend = await warm.shift()!;
    prewarm();
    const saver = CheckpointdSaver.fromUrl(
      backend.server.address,
      token === undefined ? {} : { headers: () => ({ authorization: `Bearer ${token}` }) },
    );
    inUse.set(saver, backend);
    created += 1;
    return saver;
  },
  async destroyCheckpointer(saver) {
    const backend = inUse.get(saver);
    inUse.delete(saver);
    await saver.close();
    if (backend !== undefined) await stopBackend(backend);
  },
};
