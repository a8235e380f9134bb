import { readdirSync } from "node:fs";
import { readProcessStat } from "./read-process-stat.js";

/**
 * CPU used so far (µs) by a process and its direct children: the root's own
 * time, its waited-for children's time, and every live child's time. For a
 * PostgreSQL postmaster that is the whole server: backends, checkpointer,
 * WAL writer, autovacuum. 10 ms resolution (clock ticks).
 */
export function readProcessTreeCpuMicros(rootPid: number): number {
  const root = readProcessStat(rootPid);
  if (root === undefined) return Number.NaN;
  let total = root.cpuMicros + root.childrenCpuMicros;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(Number(entry));
    if (stat !== undefined && stat.ppid === rootPid) total += stat.cpuMicros;
  }
  return total;
}
