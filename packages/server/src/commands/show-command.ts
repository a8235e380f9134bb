import { CommandError } from "./command-error.js";
import { displayValue } from "./decode-typed-value.js";
import { formatTable, writeJson } from "./output.js";
import { tupleView } from "./tuple-view.js";
import { stringOption, type Verb } from "./verb.js";

/** One checkpoint: every channel with its version, type and decoded value; metadata; pending writes. */
export const showCommand: Verb = {
  name: "show",
  synopsis: "THREAD [CHECKPOINT_ID]",
  summary: "one checkpoint (the latest by default): channels decoded, metadata, pending writes",
  arity: [1, 2],
  options: {
    ns: { type: "string", metavar: "NS", help: 'checkpoint namespace (default "")' },
    full: { type: "boolean", help: "do not shorten long values" },
  },
  async run(context) {
    const [threadId, checkpointId] = context.args as [string, string | undefined];
    const checkpointNs = stringOption(context, "ns") ?? "";
    const tuple = await context.client().getTuple({ config: { threadId, checkpointNs, checkpointId: checkpointId ?? "" } });
    if (tuple === undefined) {
      throw new CommandError(
        `no checkpoint ${checkpointId === undefined ? "" : `${checkpointId} `}on thread ${threadId}${checkpointNs === "" ? "" : ` (ns ${checkpointNs})`}`,
      );
    }
    const view = tupleView(tuple);
    if (context.json) {
      writeJson(context.out, view);
      return;
    }
    const cell = context.options.full === true ? Number.MAX_SAFE_INTEGER : 100;
    const lines = [
      `thread      ${view.thread_id}`,
      `namespace   ${view.checkpoint_ns === "" ? '""' : view.checkpoint_ns}`,
      `checkpoint  ${view.checkpoint_id}`,
      `parent      ${view.parent_checkpoint_id ?? "-"}`,
      `ts          ${view.ts}`,
      `metadata    ${displayValue(view.metadata)}`,
      "",
      "channels:",
    ];
    context.out.stdout(`${lines.join("\n")}\n`);
    const channelRows = Object.entries(view.channels).map(([name, c]) => [
      name,
      String(c.version),
      c.type ?? "-",
      c.bytes === undefined ? "-" : String(c.bytes),
      c.type === undefined ? "(no value)" : displayValue(c.value),
    ]);
    context.out.stdout(formatTable(["CHANNEL", "VERSION", "TYPE", "BYTES", "VALUE"], channelRows, cell));
    context.out.stdout("\npending writes:\n");
    if (view.pending_writes.length === 0) context.out.stdout("(none)\n");
    else {
      const writeRows = view.pending_writes.map((w) => [w.task_id, w.task_path, w.channel, w.type, displayValue(w.value)]);
      context.out.stdout(formatTable(["TASK", "PATH", "CHANNEL", "TYPE", "VALUE"], writeRows, cell));
    }
  },
};
