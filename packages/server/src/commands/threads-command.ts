import { writeJson, writeTable } from "./output.js";
import { parseJsonObjectOption } from "./parse-json-option.js";
import { createProgress } from "./progress.js";
import { integerOption, stringOption, type Verb } from "./verb.js";

interface ThreadSummary {
  thread_id: string;
  checkpoints: number;
  namespaces: string[];
  latest_checkpoint_id: string;
  latest_ts: string;
}

/** Every thread (one List over all threads), most recently written first. */
export const threadsCommand: Verb = {
  name: "threads",
  synopsis: "",
  summary: "list threads, most recent first, with their checkpoint counts",
  arity: [0, 0],
  options: {
    prefix: { type: "string", metavar: "TEXT", help: "only threads whose id starts with TEXT" },
    filter: { type: "string", metavar: "JSON", help: "only checkpoints whose metadata contains this JSON object" },
    limit: { type: "string", metavar: "N", help: "show at most N threads" },
  },
  async run(context) {
    const prefix = stringOption(context, "prefix") ?? "";
    const rawFilter = stringOption(context, "filter");
    const filter = rawFilter === undefined ? undefined : parseJsonObjectOption("--filter", rawFilter);
    const limit = integerOption(context, "limit", undefined);
    const threads = new Map<string, ThreadSummary & { ns: Set<string> }>();
    const progress = createProgress({ out: context.out, unit: "checkpoints", json: context.json });
    for await (const tuple of context.client().list({ config: {}, filter }, { signal: context.signal })) {
      progress.add();
      const id = tuple.config?.threadId ?? "";
      if (!id.startsWith(prefix)) continue;
      const ns = tuple.config?.checkpointNs ?? "";
      const checkpointId = tuple.config?.checkpointId ?? "";
      const ts = tuple.checkpoint?.ts ?? "";
      const known = threads.get(id);
      if (known === undefined) {
        threads.set(id, {
          thread_id: id,
          checkpoints: 1,
          namespaces: [],
          ns: new Set([ns]),
          latest_checkpoint_id: checkpointId,
          latest_ts: ts,
        });
        continue;
      }
      known.checkpoints += 1;
      known.ns.add(ns);
      if (checkpointId > known.latest_checkpoint_id) Object.assign(known, { latest_checkpoint_id: checkpointId, latest_ts: ts });
    }
    progress.done();
    const sorted = [...threads.values()]
      .map(({ ns, ...rest }) => ({ ...rest, namespaces: [...ns].sort() }))
      .sort((a, b) => (a.latest_checkpoint_id < b.latest_checkpoint_id ? 1 : a.latest_checkpoint_id > b.latest_checkpoint_id ? -1 : 0))
      .slice(0, limit);
    if (context.json) {
      writeJson(context.out, { threads: sorted });
      return;
    }
    writeTable(
      context.out,
      ["THREAD", "CHECKPOINTS", "NAMESPACES", "LATEST", "UPDATED"],
      sorted.map((t) => [t.thread_id, String(t.checkpoints), String(t.namespaces.length), t.latest_checkpoint_id, t.latest_ts]),
    );
  },
};
