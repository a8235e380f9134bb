/**
 * singleWriter on vs off (issue 22): the bench graph (js-graph.ts, 3 nodes, 5 channels) invoked
 * turn after turn, each worker on a thread of its own, at 1 and 16 workers, through one
 * `checkpointd serve` on PostgreSQL (durable defaults, in-process cache). Modes: `off`;
 * `session`: singleWriter on, each worker holds its thread's lease across its turns (taken at
 * the first call, renewed in the background, released when the worker stops), every write
 * fenced; `run`: singleWriter on and each invoke is a run: the lease is taken at its first call
 * and released after it (an AcquireLease and a ReleaseLease more per invoke, each a durable
 * commit). Modes rotate per round; bounds: 300 invokes or 4 s at 1 worker, 1,500 or 5 s at 16,
 * after 20 warm-up invokes.
 *
 *   node --import tsx graph/run-single-writer-bench.ts [--rounds N]
 */
import { parseArgs } from "node:util";
import { CheckpointdSaver } from "@checkpointd/langgraph";
import { createDatabase, runCheckpointd, startPostgres } from "@checkpointd/test-support";
import { createJsGraph, turnInput } from "./js-graph.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9) throw new Error(`--rounds must be 1..9, not ${values.rounds}`);

type Mode = "off" | "session" | "run";
const modes: readonly Mode[] = ["off", "session", "run"];
const bounds = { 1: { invokes: 300, seconds: 4 }, 16: { invokes: 1_500, seconds: 5 } } as const;

async function measure(address: string, mode: Mode, threads: 1 | 16, prefix: string): Promise<number> {
  const saver = CheckpointdSaver.fromUrl(address, mode === "off" ? {} : { singleWriter: { ttlMs: 30_000 } });
  const graph = createJsGraph(saver);
  const run = async (tag: string, maxInvokes: number, seconds: number) => {
    let issued = 0;
    let done = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: threads }, async (_, i) => {
        const threadId = `${prefix}-${tag}-t${i}`;
        for (let turn = 1; issued < maxInvokes && performance.now() < deadline; turn++) {
          issued++;
          await graph.invoke(turnInput(turn), { configurable: { thread_id: threadId } });
          if (mode === "run") await saver.releaseThread(threadId);
          done++;
        }
        if (mode === "session") await saver.releaseThread(threadId);
      }),
    );
    return done / ((performance.now() - started) / 1000);
  };
  try {
    await run("warm", 20, 10);
    return await run("run", bounds[threads].invokes, bounds[threads].seconds);
  } finally {
    await saver.close();
  }
}

const postgres = await startPostgres();
const server = await runCheckpointd({
  databaseUrl: await createDatabase(postgres.url),
  args: ["--http-port", "off", "--metrics-port", "off"],
});
const results: Record<string, number[]> = {};
try {
  for (let round = 1; round <= rounds; round++) {
    for (const threads of [1, 16] as const) {
      const order = modes.map((_, i) => modes[(i + round) % modes.length]!);
      for (const mode of order) {
        const rate = await measure(server.address, mode, threads, `r${round}-${mode}-${threads}`);
        (results[`${threads}/${mode}`] ??= []).push(rate);
        process.stderr.write(`[round ${round}] ${threads} worker(s), ${mode}: ${rate.toFixed(1)} invokes/s\n`);
      }
    }
  }
} finally {
  await server.stop();
  await postgres.destroy();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const threads of [1, 16]) {
  const off = results[`${threads}/off`]!;
  const cells = (["session", "run"] as const).map((mode) => {
    const on = results[`${threads}/${mode}`]!;
    const ratios = on.map((r, i) => r / off[i]!);
    return `${median(on).toFixed(1)} | ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(", ")})`;
  });
  process.stdout.write(`| ${threads} | ${median(off).toFixed(1)} | ${cells.join(" | ")} |\n`);
}
