// Probe: sequential saver.put at concurrency 1, CheckpointdSaver vs PostgresSaver, with each side's CPU per call.
// Usage: node --import tsx c1/probe-saver-put.ts <checkpointd address> <saver database url> <checkpointd pid> [calls]
import { readFileSync } from "node:fs";
import { CheckpointdSaver } from "@checkpointd/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { emptyCheckpoint, type Checkpoint } from "@langchain/langgraph-checkpoint";
import pg from "pg";

const [address, saverUrl, pidText, callsText] = process.argv.slice(2);
const calls = Number(callsText ?? 2000);
const ticks = (pid: string) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(f[11]) + Number(f[12]);
};
const text = "lorem ipsum dolor sit amet ".repeat(60);
function step(i: number, thread: string): [Parameters<CheckpointdSaver["put"]>[0], Checkpoint] {
  const cp = emptyCheckpoint();
  cp.id = `1f0b0000-0000-6000-8000-${String(i + 1).padStart(12, "0")}`;
  cp.channel_values = { messages: [`${text}${i}`] };
  cp.channel_versions = { messages: i + 1 };
  return [{ configurable: { thread_id: thread, checkpoint_ns: "" } }, cp];
}
async function run(name: string, saver: CheckpointdSaver | PostgresSaver, serverPid: string | undefined) {
  const thread = `${name}-${Date.now()}`;
  for (let i = 0; i < 200; i++) {
    const [config, cp] = step(i, `${thread}-warm`);
    await saver.put(config, cp, { source: "loop", step: i, parents: {} }, { messages: i + 1 });
  }
  const lat: number[] = [];
  const cpu0 = process.cpuUsage();
  const s0 = serverPid === undefined ? 0 : ticks(serverPid);
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const [config, cp] = step(i, thread);
    const t = performance.now();
    await saver.put(config, cp, { source: "loop", step: i, parents: {} }, { messages: i + 1 });
    lat.push(performance.now() - t);
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const s1 = serverPid === undefined ? 0 : ticks(serverPid);
  lat.sort((a, b) => a - b);
  console.log(
    `${name}: ${(calls / (wall / 1000)).toFixed(0)} puts/s, p50 ${lat[calls >> 1]!.toFixed(2)} ms, p99 ${lat[Math.floor(calls * 0.99)]!.toFixed(2)} ms, ` +
      `client CPU ${((cpu.user + cpu.system) / calls) | 0} µs/put` +
      (serverPid === undefined ? "" : `, server CPU ${(((s1 - s0) * 10_000) / calls) | 0} µs/put`),
  );
}
const checkpointd = CheckpointdSaver.fromUrl(address!);
const pool = new pg.Pool({ connectionString: saverUrl, max: 4 });
const postgres = new PostgresSaver(pool);
await postgres.setup();
for (let round = 0; round < 2; round++) {
  await run("checkpointd", checkpointd, pidText);
  if (process.env.ONLY !== "checkpointd") await run("postgres-saver", postgres, undefined);
}
await checkpointd.close?.();
await pool.end();
