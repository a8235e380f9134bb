import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { readProcessStat } from "../cache/read-process-stat.js";
import { ghzPath } from "../transport/run-ghz.js";

/**
 * `--pin`: the worker on a machine of its own. The bench process (load
 * generator and both savers) runs on `benchCpu`, every service it starts
 * (PostgreSQL's postmaster and so all its backends, redis-server, checkpointd,
 * the echo stub, ghz) on `serviceCpu`, through util-linux `taskset`.
 */
export const benchCpu = 0;
export const serviceCpu = 1;

/** Throws unless `taskset` (util-linux) is there and the machine has both CPUs. */
export function checkPinnable(): void {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
  } catch {
    throw new Error("--pin needs `taskset` (util-linux) on PATH");
  }
  if (os.cpus().length < 2) throw new Error(`--pin needs 2 CPUs, this machine has ${os.cpus().length}`);
}

/** Sets the affinity of every thread of `pid` (`taskset -a -p -c`). */
export function pinProcess(pid: number, cpu: number): void {
  execFileSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], { stdio: "ignore" });
}

/** Live processes whose parent is `pid` (from /proc/<pid>/stat). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    if (readProcessStat(Number(entry))?.ppid === pid) children.push(Number(entry));
  }
  return children;
}

/**
 * Pins a process and its live children (a postmaster's checkpointer, WAL
 * writer, launchers...); children forked later inherit the parent's affinity.
 * A child that exits meanwhile is skipped.
 */
export function pinProcessTree(pid: number, cpu: number): void {
  pinProcess(pid, cpu);
  for (const child of childPids(pid)) {
    try {
      pinProcess(child, cpu);
    } catch {
      if (readProcessStat(child) !== undefined) throw new Error(`could not pin process ${child} (child of ${pid})`);
    }
  }
}

/** The distinct `Cpus_allowed_list` values over every thread of `pid` ("?" when it is gone). */
export function cpusAllowed(pid: number): string[] {
  const values = new Set<string>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return ["?"];
  }
  for (const task of tasks) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${task}/status`, "utf8");
      const value = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
      if (value !== undefined) values.add(value);
    } catch {
      // the thread ended
    }
  }
  return [...values].sort();
}

/** `cpusAllowed` over a process and its live children (a postmaster and its backends). */
export function treeCpusAllowed(pid: number): { processes: number; cpus: string[] } {
  const pids = [pid, ...childPids(pid)];
  const cpus = new Set<string>();
  for (const p of pids) for (const value of cpusAllowed(p)) cpus.add(value);
  return { processes: pids.length, cpus: [...cpus].sort() };
}

/**
 * Makes `runGhz` start ghz on `cpu`: a wrapper script that pins its own
 * process, records the resulting `Cpus_allowed_list` and execs the real ghz
 * (same pid, so ghz and its threads keep the affinity), installed as `$GHZ`.
 * Returns a reader of the last recorded affinity. Call it after readVersions,
 * which needs the real binary's build info.
 */
export function pinGhz(cpu: number): () => string {
  const real = ghzPath();
  const dir = mkdtempSync(join(os.tmpdir(), "checkpointd-ghz-pin-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, "ghz");
  const record = join(dir, "cpus-allowed");
  const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  writeFileSync(
    script,
    [
      "#!/bin/sh",
      `taskset -p -c ${cpu} $$ >/dev/null || exit 1`,
      `sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/$$/status > ${quote(record)}`,
      `exec ${quote(real)} "$@"`,
      "",
    ].join("\n"),
  );
  chmodSync(script, 0o755);
  process.env["GHZ"] = script;
  return () => {
    try {
      return readFileSync(record, "utf8").trim() || "?";
    } catch {
      return "?";
    }
  };
}
