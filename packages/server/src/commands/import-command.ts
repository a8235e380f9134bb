import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { CommandError } from "./command-error.js";
import { parseExportLine, recordOfTuple } from "./export-format.js";
import type { ImportRecord } from "./import-record.js";
import { writeJson } from "./output.js";
import { createProgress } from "./progress.js";
import { eventOfJson, replayPendingResumes } from "./thread-events.js";
import { createThreadWriter } from "./thread-writer.js";
import type { WatchEvent } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
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
    const client = context.client();
    const writeThread = createThreadWriter({ client, progress, signal: context.signal });
    let thread: string | undefined;
    let records: ImportRecord[] = [];
    let events: WatchEvent[] = [];
    const flush = async () => {
      if (thread === undefined) return;
      await writeThread(thread, records);
      progress.add(await replayPendingResumes(client, thread, events, context.signal), "resumes");
    };
    /** Lines of another thread: the one before is written. */
    const switchTo = async (threadId: string) => {
      if (threadId === thread) return;
      await flush();
      thread = threadId;
      records = [];
      events = [];
    };
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
      if (line.kind === "event") {
        const event = eventOfJson(line.event, lineNumber);
        await switchTo(event.threadId);
        events.push(event);
        continue;
      }
      const record = recordOfTuple(line.tuple, lineNumber);
      await switchTo(record.threadId);
      records.push(record);
    }
    await flush();
    progress.done();
    const c = progress.counts;
    const summary = {
      threads: c.threads ?? 0,
      checkpoints: c.written ?? 0,
      skipped: c.skipped ?? 0,
      writes: c.writes ?? 0,
      resumes: c.resumes ?? 0,
      complete: ended,
    };
    if (context.json) writeJson(context.out, { imported: summary });
    else {
      const resumes = summary.resumes > 0 ? `, ${summary.resumes} pending resumes` : "";
      context.out.stdout(
        `imported ${summary.checkpoints} checkpoints and ${summary.writes} writes${resumes} of ${summary.threads} threads (${summary.skipped} already there)\n`,
      );
    }
    if (!ended) throw new CommandError(`import: ${path} has no end line: the export was cut short (what it held was imported)`);
  },
};
