import { readFileSync } from "node:fs";

export interface ProcessStat {
  pid: number;
  ppid: number;
  /** utime + stime: CPU this process (all its threads) has used, in µs. */
  cpuMicros: number;
  /** cutime + cstime: CPU of its children that exited and were waited for, in µs. */
  childrenCpuMicros: number;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

/** Parses /proc/<pid>/stat (Linux); undefined when the process is gone. */
export function readProcessStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const field = (n: number) => Number(fields[n - 3]);
  const micros = (ticks: number) => (ticks * 1e6) / ticksPerSecond;
  return {
    pid,
    ppid: field(4),
    cpuMicros: micros(field(14) + field(15)),
    childrenCpuMicros: micros(field(16) + field(17)),
  };
}
