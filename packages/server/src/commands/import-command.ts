import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { CommandError } from "./command-error.js";
import { parseExportLine, recordOfTuple } from "./export-format.js";
import type { ImportRecord } from "./import-record.js";
import { writeJson } from "./output.js";
import { createProgress } from "./progress.js";
import { createThreadWriter } from "./thread-writer.js";
import type { Verb } from "./verb.js";

/** Lines of a file, or of stdin for "-". */
function lines(path: string): AsyncIterable<string> {
  const input = path === "-" ? process.stdin : createReadStream(path);
  input.on("error", () => undefined); // surfaced by the iterator below
  return createInterface({ input, crlfDelay: Infinity });
}

async function countTuples(path: string): Promise<number | undefined> {
  if (path === "-") return undefined;
  let n = 0;
  for await (const line of lines(path)) if (line.includes('"kind":"tuple"')) n += 1;
  return n;
}

/** An export file back into a server: restartable (what exists is skipped), so a second run adds nothing. */
export const importCommand: Verb = {
  name: "import",
  synopsis: "FILE.jsonl",
  summary: "write an export file's threads into the server, skipping what it already holds",
  arity: [1, 1],
  async run(context) {
    const [path] = context.args as [string];
    let total: number | undefined;
    try {
      total = await countTuples(path);
    } catch (error) {
      throw new CommandError(`import: cannot read ${path}: ${(error as Error).message}`);
    }
    const progress = createProgress({
      out: context.out,
      unit: "checkpoints",
      json: context.json,
      ...(total === undefined ? {} : { total }),
    });
    const writeThread = createThreadWriter({ client: context.client(), progress, signal: context.signal });
    let thread: string | undefined;
    let records: ImportRecord[] = [];
    let lineNumber = 0;
    let ended = false;
    let headed = false;
    for await (const text of lines(path)) {
      lineNumber += 1;
      if (text.trim() === "") continue;
      const line = parseExportLine(text, lineNumber);
      if (line.kind === "header") {
        headed = true;
        continue;
      }
      if (!headed) throw new CommandError(`import: ${path} does not start with a checkpointd export header`);
      if (line.kind === "end") {
        ended = true;
        continue;
      }
      const record = recordOfTuple(line.tuple, lineNumber);
      if (record.threadId !== thread) {
        if (thread !== undefined) await writeThread(thread, records);
        thread = record.threadId;
        records = [];
      }
      records.push(record);
    }
    if (thread !== undefined) await writeThread(thread, records);
    progress.done();
    const c = progress.counts;
    const summary = {
      threads: c.threads ?? 0,
      checkpoints: c.written ?? 0,
      skipped: c.skipped ?? 0,
      writes: c.writes ?? 0,
      complete: ended,
    };
    if (context.json) writeJson(context.out, { imported: summary });
    else {
      context.out.stdout(
        `imported ${summary.checkpoints} checkpoints and ${summary.writes} writes of ${summary.threads} threads (${summary.skipped} already there)\n`,
      );
    }
    if (!ended) throw new CommandError(`import: ${path} has no end line: the export was cut short (what it held was imported)`);
  },
};
