import { writeJson, writeTable } from "./output.js";
import { parseJsonObjectOption } from "./parse-json-option.js";
import { describeMetadata, tupleView } from "./tuple-view.js";
import { integerOption, stringOption, type Verb } from "./verb.js";

/** A thread's checkpoints, newest first, as List streams them. */
export const historyCommand: Verb = {
  name: "history",
  synopsis: "THREAD",
  summary: "a thread's checkpoints, newest first",
  arity: [1, 1],
  options: {
    ns: { type: "string", metavar: "NS", help: "one checkpoint namespace (default: all)" },
    filter: { type: "string", metavar: "JSON", help: "only checkpoints whose metadata contains this JSON object" },
    limit: { type: "string", metavar: "N", help: "at most N checkpoints" },
  },
  async run(context) {
    const [threadId] = context.args as [string];
    const ns = stringOption(context, "ns");
    const rawFilter = stringOption(context, "filter");
    const filter = rawFilter === undefined ? undefined : parseJsonObjectOption("--filter", rawFilter);
    const limit = integerOption(context, "limit", undefined);
    const rows: string[][] = [];
    const views = [];
    for await (const tuple of context
      .client()
      .list({ config: { threadId, ...(ns === undefined ? {} : { checkpointNs: ns }) }, filter, limit }, { signal: context.signal })) {
      if (context.json) {
        views.push(tupleView(tuple));
        continue;
      }
      const { step, source } = describeMetadata(tuple.metadata);
      const writes = tuple.pendingWrites.map((w) => w.channel);
      rows.push([
        tuple.config?.checkpointId ?? "",
        tuple.config?.checkpointNs ?? "",
        tuple.checkpoint?.ts ?? "",
        step,
        source,
        tuple.parentConfig?.checkpointId ?? "",
        writes.includes("__interrupt__") ? `${writes.length} (interrupt)` : String(writes.length),
      ]);
    }
    if (context.json) writeJson(context.out, { thread_id: threadId, checkpoints: views });
    else writeTable(context.out, ["CHECKPOINT", "NS", "TS", "STEP", "SOURCE", "PARENT", "WRITES"], rows);
  },
};
