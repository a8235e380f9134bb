import { usageError } from "./command-error.js";
import { exportFormat, exportVersion, tupleLine } from "./export-format.js";
import { createProgress } from "./progress.js";
import { eventJson, readThreadEvents } from "./thread-events.js";
import type { WatchEvent } from "@checkpointd/proto/checkpointd/v1/watch_pb.js";
import type { Verb } from "./verb.js";

/** Threads to JSON lines on stdout (`> file.jsonl`), every checkpoint, value and write byte for byte. */
export const exportCommand: Verb = {
  name: "export",
  synopsis: "THREAD... > FILE.jsonl",
  summary: "write threads (every checkpoint, value and pending write, byte for byte) as JSON lines",
  arity: [0, Infinity],
  options: {
    all: { type: "boolean", help: "every thread on the server" },
    events: { type: "boolean", help: "the threads' event logs too (import re-sends the resumes no worker claimed)" },
  },
  async run(context) {
    const client = context.client();
    let threads = [...new Set(context.args)];
    if (context.options.all === true) {
      const all = new Set<string>();
      for await (const tuple of client.list({ config: {} }, { signal: context.signal })) all.add(tuple.config?.threadId ?? "");
      threads = [...all].sort();
    } else if (threads.length === 0) {
      throw usageError("export: name threads, or --all");
    }
    const progress = createProgress({ out: context.out, unit: "checkpoints", json: context.json });
    context.out.stdout(`${JSON.stringify({ kind: "header", format: exportFormat, version: exportVersion })}\n`);
    let count = 0;
    // Each event log ends with a heartbeat after the server's idle interval: read several ahead.
    const eventReads = new Map<string, Promise<WatchEvent[]>>();
    const readAhead = (from: number) => {
      if (context.options.events !== true) return;
      for (const threadId of threads.slice(from, from + 16)) {
        if (!eventReads.has(threadId)) {
          const read = readThreadEvents(client, threadId, context.signal);
          void read.catch(() => undefined); // awaited in order below
          eventReads.set(threadId, read);
        }
      }
    };
    for (const [index, threadId] of threads.entries()) {
      readAhead(index);
      for await (const tuple of client.list({ config: { threadId } }, { signal: context.signal })) {
        if (!context.out.stdout(`${tupleLine(tuple)}\n`)) await context.out.drain();
        count += 1;
        progress.add();
      }
      if (context.options.events === true) {
        for (const event of await eventReads.get(threadId)!) {
          if (!context.out.stdout(`${JSON.stringify({ kind: "event", event: eventJson(event) })}\n`)) await context.out.drain();
          progress.add(1, "events");
        }
      }
      eventReads.delete(threadId);
      progress.add(1, "threads");
    }
    context.out.stdout(`${JSON.stringify({ kind: "end", threads: threads.length, checkpoints: count })}\n`);
    progress.done();
    const events = progress.counts.events ?? 0;
    const summary = { exported: { threads: threads.length, checkpoints: count, events } };
    context.out.stderr(
      context.json
        ? `${JSON.stringify(summary)}\n`
        : `exported ${count} checkpoints${context.options.events === true ? ` and ${events} events` : ""} of ${threads.length} threads\n`,
    );
  },
};
