/**
 * Content-defined chunks (issue 18), side by side in one run on one throwaway
 * PostgreSQL (127.0.0.1), as ratios, since the machine is shared:
 *
 * - storage: a 1,000-step conversation (bench/compare/measure-storage-growth.ts with
 *   prose-text.ts's messages, ~400 B serialized each) through checkpointd with chunks (the
 *   defaults; and with --storage-compression gzip), checkpointd with chunking off (today's storage) and
 *   PostgresSaver, each into a fresh database: table + index bytes, and the unique content
 *   (the last messages value, which holds every message once); then the same in Python
 *   (run_prose_growth.py: CheckpointdSaver vs AsyncPostgresSaver, the repository's .venv or
 *   --python, set up by graph/bench-venv.sh);
 * - GetTuple latest at 1,000 steps, L1 miss (`--cache off`: every read goes to PostgreSQL),
 *   through each JS server, p50 over short runs that rotate between them (80 reads each, 10 discarded);
 * - Put at c=64 (the compare bench's Put workload: 5 channels, ≈4 KB, one changed a step),
 *   chunked vs inline servers, rotating 2 s runs.
 * Ratios are medians of the per-round ratios: load from other work on the machine moves both sides.
 *
 *   pnpm --filter @checkpointd/bench chunks [--steps 1000] [--rounds 8] [--python PATH]
 *   pnpm --filter @checkpointd/bench chunks --puts-only --rounds 16   # only the Put comparison
 */
import { execFile } from "node:child_process";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { CheckpointdSaver } from "@checkpointd/langgraph";
import { createDatabase, spawnCheckpointd, startPostgres, type SpawnedCheckpointd } from "@checkpointd/test-support";
import pg from "pg";
import { createPostgresSaver } from "../compare/prepare-savers.js";
import { measureStorageGrowth, type StorageGrowth } from "../compare/measure-storage-growth.js";
import { Conversation } from "../compare/conversation-state.js";
import { runClosedLoop } from "../compare/run-closed-loop.js";
import { proseText } from "./prose-text.js";

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "1000" },
    rounds: { type: "string", default: "8" },
    "puts-only": { type: "boolean", default: false },
    python: { type: "string", default: join(here, "../../.venv/bin/python") },
  },
});
const steps = Number(values.steps);
const rounds = Number(values.rounds);
if (!(steps > 0 && steps <= 5000 && rounds > 0 && rounds <= 30)) throw new Error("--steps 1..5000, --rounds 1..30");
const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
const proseMessage = (step: number) =>
  step % 2 === 0
    ? new HumanMessage({ id: `m-${step}`, content: proseText(step + 1, 260) })
    : new AIMessage({ id: `m-${step}`, content: proseText(step + 1, 260) });

/** Table + index bytes of every table in the public schema. */
async function totalBytes(url: string): Promise<number> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string | null }>(
      `select sum(pg_total_relation_size(c.oid)) as n from pg_class c join pg_namespace s on s.oid = c.relnamespace
       where s.nspname = 'public' and c.relkind = 'r'`,
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await db.end();
  }
}

/** The longest stored messages value of an inline (chunking off) checkpointd database: every message once. */
async function uniqueBytes(url: string): Promise<number> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string | null }>(`select max(length(blob)) as n from checkpoint_blobs where channel = 'messages'`);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await db.end();
  }
}

/** Put c=64 (the compare bench's Put workload, values below the threshold) through both servers, rotating 2 s runs. */
async function comparePuts(chunked: SpawnedCheckpointd, inline: SpawnedCheckpointd): Promise<Record<"chunked" | "inline", number[]>> {
  const puts = { chunked: [], inline: [] } as Record<"chunked" | "inline", number[]>;
  for (let round = 0; round < rounds; round++) {
    for (const v of round % 2 === 0 ? (["chunked", "inline"] as const) : (["inline", "chunked"] as const)) {
      const saver = CheckpointdSaver.fromUrl(`127.0.0.1:${(v === "chunked" ? chunked : inline).port}`);
      const conversations = Array.from({ length: 64 }, (_, w) => new Conversation(`put-r${round}-w${w}`));
      const op = async (_seq: number, worker: number) => {
        const call = conversations[worker]!.next();
        await saver.put(call.config, call.checkpoint, call.metadata, call.newVersions);
      };
      await runClosedLoop(op, { concurrency: 64, maxOps: 500, maxMs: 500 });
      const result = await runClosedLoop(op, { concurrency: 64, maxOps: 10_000, maxMs: 2_000 });
      puts[v].push(result.opsPerSecond);
      log(`  round ${round + 1} ${v}: Put c=64 ${result.opsPerSecond.toFixed(0)}/s (${result.errors} errors)`);
      await saver.close();
    }
  }
  return puts;
}

const postgres = await startPostgres();
const servers: SpawnedCheckpointd[] = [];
type Variant = "chunked" | "gzip" | "inline";
const variants: readonly Variant[] = ["chunked", "gzip", "inline"];
const flags: Record<Variant, string[]> = {
  chunked: [],
  gzip: ["--storage-compression", "gzip"],
  inline: ["--storage-chunk-threshold", "off"],
};
const labels: Record<Variant, string> = {
  chunked: "checkpointd, chunks (defaults)",
  gzip: "checkpointd, chunks, `--storage-compression gzip`",
  inline: "checkpointd, `--storage-chunk-threshold off` (as before)",
};
try {
  const serve = async (url: string, extra: string[]) => {
    const server = await spawnCheckpointd(["--cache", "off", "--metrics-port", "off", "--http-port", "off", ...extra], {
      DATABASE_URL: url,
    });
    servers.push(server);
    return server;
  };
  const js = {} as Record<Variant, { url: string; server: SpawnedCheckpointd }>;
  const py = {} as Record<Variant, { url: string; server: SpawnedCheckpointd }>;
  for (const v of variants) {
    const url = await createDatabase(postgres.url, `chunks_${v}`);
    js[v] = { url, server: await serve(url, flags[v]) };
    const pyUrl = await createDatabase(postgres.url, `chunks_py_${v}`);
    py[v] = { url: pyUrl, server: await serve(pyUrl, flags[v]) };
  }
  if (values["puts-only"]) {
    const puts = await comparePuts(js.chunked.server, js.inline.server);
    const ratios = puts.chunked.map((x, i) => x / puts.inline[i]!);
    console.log(`Put c=64, ${rounds} rounds of 2 s, rotating (load average ${os.loadavg()[0]!.toFixed(1)} at the end):`);
    console.log(
      `chunked ops/s ${puts.chunked.map((x) => x.toFixed(0)).join(" ")}; inline ${puts.inline.map((x) => x.toFixed(0)).join(" ")}`,
    );
    console.log(
      `median of per-round ratios ${median(ratios).toFixed(3)}x; ratio of summed ops ${(puts.chunked.reduce((a, b) => a + b) / puts.inline.reduce((a, b) => a + b)).toFixed(3)}x`,
    );
  } else await fullRun(js, py);
} finally {
  for (const server of servers) await server.stop().catch(() => undefined);
  await postgres.destroy();
}

async function fullRun(
  js: Record<Variant, { url: string; server: SpawnedCheckpointd }>,
  py: Record<Variant, { url: string; server: SpawnedCheckpointd }>,
) {
  const saverUrl = await createDatabase(postgres.url, "chunks_saver");
  const pySaverUrl = await createDatabase(postgres.url, "chunks_py_saver");

  log(`storage: a ${steps}-step conversation through each saver`);
  const growth = {} as Record<Variant | "saver", StorageGrowth>;
  for (const v of variants) {
    const saver = CheckpointdSaver.fromUrl(`127.0.0.1:${js[v].server.port}`);
    growth[v] = await measureStorageGrowth(saver, js[v].url, steps, proseMessage);
    await saver.close();
    log(`  ${v}: ${growth[v].bytes} B`);
  }
  const postgresSaver = await createPostgresSaver(saverUrl, 10);
  growth.saver = await measureStorageGrowth(postgresSaver, saverUrl, steps, proseMessage);
  await postgresSaver.end();
  const unique = await uniqueBytes(js.inline.url);

  log(`storage, Python: a ${steps}-step conversation through each saver`);
  const python = {} as Record<Variant | "saver", number>;
  for (const v of [...variants, "saver"] as const) {
    const url = v === "saver" ? pySaverUrl : py[v].url;
    const before = await totalBytes(url);
    const target = v === "saver" ? url : `127.0.0.1:${py[v].server.port}`;
    await run(values.python, [join(here, "run_prose_growth.py"), v === "saver" ? "postgres" : "checkpointd", target, String(steps)], {
      timeout: 20 * 60_000,
    });
    python[v] = (await totalBytes(url)) - before;
    log(`  ${v}: ${python[v]} B`);
  }
  const pyUnique = await uniqueBytes(py.inline.url);
  const client = (server: SpawnedCheckpointd) =>
    createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }));
  const report = await client(js.chunked.server).getThreadStorage({ threadId: "growth" });

  log("GetTuple latest (L1 miss) at the end of that conversation, and Put c=64, rotating");
  const reads = { chunked: [], gzip: [], inline: [] } as Record<Variant, number[]>;
  for (let round = 0; round < rounds; round++) {
    const order = [...variants.slice(round % 3), ...variants.slice(0, round % 3)];
    for (const v of order) {
      const c = client(js[v].server);
      const op = async () => {
        const { tuple } = await c.getTuple({ config: { threadId: "growth", checkpointNs: "" } });
        if (tuple === undefined) throw new Error("no tuple");
      };
      await runClosedLoop(op, { concurrency: 1, maxOps: 10, maxMs: 1_000 });
      const result = await runClosedLoop(op, { concurrency: 1, maxOps: 80, maxMs: 4_000 });
      reads[v].push(result.latency.p50Ms);
      log(`  round ${round + 1} ${v}: GetTuple p50 ${result.latency.p50Ms.toFixed(3)} ms (${result.ops} reads, ${result.errors} errors)`);
    }
  }
  const puts = await comparePuts(js.chunked.server, js.inline.server);

  const ratio = (a: number, b: number) => `${(a / b).toFixed(3)}x`;
  const perRound = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));
  console.log(`## Content-defined chunks (issue 18), ${new Date().toISOString().slice(0, 10)}\n`);
  console.log(
    `One run, side by side on one PostgreSQL 15 (durable defaults), on 2 cores shared with other work (load average ${os.loadavg()[0]!.toFixed(1)} at the end): ratios, not absolute speeds.\n`,
  );
  console.log(`| ${steps}-step conversation, JS (JSON) | table + index bytes | vs PostgresSaver |`);
  console.log(`| --- | ---: | ---: |`);
  for (const v of variants)
    console.log(
      `| ${labels[v]} | ${growth[v].bytes.toLocaleString("en")} (${mb(growth[v].bytes)}) | ${ratio(growth[v].bytes, growth.saver.bytes)} |`,
    );
  console.log(`| PostgresSaver | ${growth.saver.bytes.toLocaleString("en")} (${mb(growth.saver.bytes)}) | 1.000x |`);
  console.log(
    `| unique content (the last messages value) | ${unique.toLocaleString("en")} (${mb(unique)}) | ${ratio(unique, growth.saver.bytes)} |`,
  );
  console.log(`\n| ${steps}-step conversation, Python (msgpack) | table + index bytes | vs AsyncPostgresSaver |`);
  console.log(`| --- | ---: | ---: |`);
  for (const v of variants)
    console.log(`| ${labels[v]} | ${python[v].toLocaleString("en")} (${mb(python[v])}) | ${ratio(python[v], python.saver)} |`);
  console.log(`| AsyncPostgresSaver | ${python.saver.toLocaleString("en")} (${mb(python.saver)}) | 1.000x |`);
  console.log(
    `| unique content (the last messages value) | ${pyUnique.toLocaleString("en")} (${mb(pyUnique)}) | ${ratio(pyUnique, python.saver)} |`,
  );
  console.log(
    `\nJS, chunks (defaults), by table: ${growth.chunked.tables.map((t) => `${t.table} ${t.bytes.toLocaleString("en")} B / ${t.rows} rows`).join("; ")}`,
  );
  console.log(
    `\nGetThreadStorage of that thread: logical ${report.logicalBytes.toLocaleString("en")} B, stored ${report.storedBytes.toLocaleString("en")} B, ` +
      `${report.chunkCount} chunks (${report.chunkBytes.toLocaleString("en")} B)\n`,
  );
  console.log(`| at ${steps} steps, ${rounds} rounds | chunks | chunks, gzip | inline (as before) | chunks / inline | gzip / inline |`);
  console.log(`| --- | ---: | ---: | ---: | ---: | ---: |`);
  console.log(
    `| GetTuple latest, L1 miss, p50 (median of rounds) | ${median(reads.chunked).toFixed(2)} ms | ${median(reads.gzip).toFixed(2)} ms | ${median(reads.inline).toFixed(2)} ms | ` +
      `${perRound(reads.chunked, reads.inline).toFixed(3)}x | ${perRound(reads.gzip, reads.inline).toFixed(3)}x |`,
  );
  console.log(
    `| Put c=64, ops/s (median of rounds; values below the threshold) | ${median(puts.chunked).toFixed(0)} | | ${median(puts.inline).toFixed(0)} | ${perRound(puts.chunked, puts.inline).toFixed(3)}x | |`,
  );
}
