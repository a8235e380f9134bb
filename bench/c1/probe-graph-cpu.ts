// Probe: the JS bench graph (graph/js-graph.ts) at one thread through CheckpointdSaver, with the
// server's CPU per invoke split by OS thread (main thread vs V8's and libuv's), read from /proc.
// Usage: node --import tsx c1/probe-graph-cpu.ts <checkpointd address> <checkpointd pid> [invokes]
import { readdirSync, readFileSync } from "node:fs";
import { CheckpointdSaver } from "@checkpointd/langgraph";
import { createJsGraph, turnInput } from "../graph/js-graph.js";

const [address, pid, invokesText] = process.argv.slice(2);
const invokes = Number(invokesText ?? 150);
/** CPU ticks (1/100 s) per thread name of `pid`. */
function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    const name = tid === pid ? "main thread" : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    out.set(name, (out.get(name) ?? 0) + Number(f[11]) + Number(f[12]));
  }
  return out;
}
const saver = CheckpointdSaver.fromUrl(address!);
const graph = createJsGraph(saver);
const thread = `probe-${Date.now()}`;
for (let turn = 1; turn <= 20; turn++) await graph.invoke(turnInput(turn), { configurable: { thread_id: `${thread}-warm` } });
const before = threadTicks();
const lat: number[] = [];
const t0 = performance.now();
for (let turn = 1; turn <= invokes; turn++) {
  const t = performance.now();
  await graph.invoke(turnInput(turn), { configurable: { thread_id: thread } });
  lat.push(performance.now() - t);
}
const wall = performance.now() - t0;
const after = threadTicks();
lat.sort((a, b) => a - b);
console.log(`${invokes} invokes, ${(invokes / (wall / 1000)).toFixed(1)}/s, p50 ${lat[invokes >> 1]!.toFixed(2)} ms`);
for (const [name, ticks] of after) {
  const used = ticks - (before.get(name) ?? 0);
  if (used > 0) console.log(`  server ${name}: ${((used * 10_000) / invokes).toFixed(0)} µs/invoke`);
}
await saver.close?.();
