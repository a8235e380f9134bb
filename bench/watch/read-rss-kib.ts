import { readFileSync } from "node:fs";

/** A process's resident set size in KiB (`VmRSS` in /proc/<pid>/status); undefined when it is gone. */
export function readRssKiB(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
