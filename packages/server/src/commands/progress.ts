import type { Output } from "./output.js";

export interface ProgressOptions {
  out: Output;
  /** What is counted: "checkpoints". */
  unit: string;
  /** Known total, for a bar with a percentage. */
  total?: number;
  /** JSON lines (`{"progress":…}`) on stderr instead of a bar. */
  json: boolean;
  /** Least time between two reports (default 200 ms). */
  intervalMs?: number;
}

export interface Progress {
  /** Adds to the count (and to the named counter, e.g. "skipped"). */
  add(n?: number, counter?: string): void;
  readonly counts: Readonly<Record<string, number>>;
  /** The last report, then a newline on a terminal. */
  done(): void;
}

/**
 * Progress of a long operation on stderr: a bar on a terminal, `{"progress":{…}}` lines with
 * --json, nothing otherwise (a log or a pipe gets the final summary only).
 */
export function createProgress(options: ProgressOptions): Progress {
  const { out, unit, total, json } = options;
  const interval = options.intervalMs ?? 200;
  const counts: Record<string, number> = { [unit]: 0 };
  let last = 0;
  let drawn = false;
  const report = (final: boolean) => {
    if (json) {
      out.stderr(`${JSON.stringify({ progress: { ...counts, ...(total === undefined ? {} : { total }), done: final } })}\n`);
      return;
    }
    if (!out.stderrIsTTY) return;
    const n = counts[unit] ?? 0;
    const others = Object.entries(counts)
      .filter(([k]) => k !== unit)
      .map(([k, v]) => `${v} ${k}`)
      .join(", ");
    const tail = others === "" ? "" : ` (${others})`;
    if (total !== undefined && total > 0) {
      const width = 30;
      const filled = Math.min(width, Math.round((n / total) * width));
      out.stderr(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${n}/${total} ${unit}${tail}\x1b[K`);
    } else out.stderr(`\r${n} ${unit}${tail}\x1b[K`);
    drawn = true;
  };
  return {
    counts,
    add(n = 1, counter = unit) {
      counts[counter] = (counts[counter] ?? 0) + n;
      const now = Date.now();
      if (now - last >= interval) {
        last = now;
        report(false);
      }
    },
    done() {
      report(true);
      if (drawn) out.stderr("\n");
    },
  };
}
