/** Where a verb writes: results to stdout, progress and notes to stderr. */
export interface Output {
  /** False when the text was buffered: wait for drain() before writing much more. */
  stdout(text: string): boolean;
  drain(): Promise<void>;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress draws a bar only there). */
  readonly stderrIsTTY: boolean;
}

export function processOutput(): Output {
  return {
    stdout: (text) => process.stdout.write(text),
    drain: () => new Promise((resolve) => process.stdout.once("drain", () => resolve())),
    stderr: (text) => {
      process.stderr.write(text);
    },
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

/** One JSON document per line. */
export function writeJson(out: Output, value: unknown): void {
  out.stdout(`${JSON.stringify(value, jsonReplacer)}\n`);
}

/** BigInts (event ids, int64 versions) as JSON numbers when safe, else strings. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint")
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : String(value);
  return value;
}

/** A table: a header line and aligned columns; a cell is cut at `maxCell` characters. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], maxCell = 80): string {
  const cut = (cell: string) => {
    const flat = cell.replace(/\s+/g, " ");
    return flat.length > maxCell ? `${flat.slice(0, maxCell - 1)}…` : flat;
  };
  const cells = [headers, ...rows].map((row) => row.map(cut));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  return (
    cells
      .map((row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}

export function writeTable(out: Output, headers: readonly string[], rows: readonly (readonly string[])[]): void {
  if (rows.length === 0) {
    out.stdout(`(none)\n`);
    return;
  }
  out.stdout(formatTable(headers, rows));
}
