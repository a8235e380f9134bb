/**
 * The storage a Python LangGraph graph takes in checkpointd's tables and in
 * AsyncPostgresSaver's, for the same turns: starts a throwaway PostgreSQL,
 * gives each saver a fresh database, runs run_graph_turns.py through each,
 * and prints every relation's size (heap, TOAST, each index) and the ratio.
 *
 *   pnpm --filter @checkpointd/bench footprint [--turns 300] [--threads 2] [--python PATH]
 *
 * The interpreter (--python, $PYTHON or python3) needs langgraph, the checkpointd
 * client and langgraph-checkpoint-postgres with psycopg[binary,pool].
 *
 * Bounded: turns × threads graph invocations per saver; every server binds 127.0.0.1.
 */
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import { createDatabase, spawnCheckpointd, startPostgres } from "@checkpointd/test-support";
import { readFootprint, type Footprint } from "./read-footprint.js";

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

const { values } = parseArgs({
  options: {
    turns: { type: "string", default: "300" },
    threads: { type: "string", default: "2" },
    python: { type: "string", default: process.env.PYTHON ?? "python3" },
  },
});
const turns = Number(values.turns);
const threads = Number(values.threads);
if (!(turns > 0 && turns <= 10_000 && threads > 0 && threads <= 64)) throw new Error("--turns 1..10000, --threads 1..64");

async function drive(kind: "checkpointd" | "postgres", target: string): Promise<void> {
  // The interpreter's installed checkpointd client (the worktree's has no generated stubs).
  await run(values.python, [join(here, "run_graph_turns.py"), kind, target, String(turns), String(threads)], { timeout: 15 * 60_000 });
}

function print(name: string, footprint: Footprint): void {
  console.log(`\n${name}: ${footprint.total} B`);
  for (const t of footprint.rows) console.log(`  ${t.table.padEnd(24)} ${String(t.rows).padStart(6)} rows, ${t.averageWidth} B each`);
  for (const b of footprint.blobs)
    console.log(`  blob ${b.channel.padEnd(30)} ${b.type.padEnd(10)} ${String(b.rows).padStart(6)} rows, ${b.averageLength} B`);
  for (const r of footprint.relations) console.log(`  ${r.table.padEnd(24)} ${r.relation.padEnd(40)} ${String(r.bytes).padStart(10)}`);
}

const postgres = await startPostgres();
try {
  const checkpointdUrl = await createDatabase(postgres.url, "footprint_checkpointd");
  const saverUrl = await createDatabase(postgres.url, "footprint_saver");
  const server = await spawnCheckpointd(["--http-port", "off"], { DATABASE_URL: checkpointdUrl });
  try {
    await drive("checkpointd", `127.0.0.1:${server.port}`);
  } finally {
    await server.stop();
  }
  await drive("postgres", saverUrl);
  const ours = await readFootprint(checkpointdUrl);
  const theirs = await readFootprint(saverUrl);
  print("checkpointd", ours);
  print("AsyncPostgresSaver", theirs);
  console.log(`\n${turns} turns × ${threads} threads: checkpointd / AsyncPostgresSaver = ${(ours.total / theirs.total).toFixed(2)}x`);
} finally {
  await postgres.destroy();
}
