import type { CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { CommandError } from "./command-error.js";
import { displayValue } from "./decode-typed-value.js";
import { describeMessage, jsonDiff, type JsonChange } from "./json-diff.js";
import { writeJson } from "./output.js";
import { tupleView, type ChannelView } from "./tuple-view.js";
import { stringOption, type Verb, type VerbContext } from "./verb.js";

interface ChannelChange {
  channel: string;
  version_a: ChannelView["version"];
  version_b: ChannelView["version"];
  changes: JsonChange[];
}

async function tupleOf(context: VerbContext, threadId: string, checkpointNs: string, checkpointId: string): Promise<CheckpointTuple> {
  const tuple = await context.client().getTuple({ config: { threadId, checkpointNs, checkpointId } });
  if (tuple === undefined) throw new CommandError(`no checkpoint ${checkpointId} on thread ${threadId}`);
  return tuple;
}

/** Channels added, removed and changed from checkpoint A to B, with a structural diff inside each changed value. */
export const diffCommand: Verb = {
  name: "diff",
  synopsis: "THREAD A B",
  summary: "compare two checkpoints: channels added, removed, changed (a structural diff inside values)",
  arity: [3, 3],
  options: { ns: { type: "string", metavar: "NS", help: 'checkpoint namespace (default "")' } },
  async run(context) {
    const [threadId, idA, idB] = context.args as [string, string, string];
    const ns = stringOption(context, "ns") ?? "";
    const [a, b] = (await Promise.all([tupleOf(context, threadId, ns, idA), tupleOf(context, threadId, ns, idB)])).map(tupleView) as [
      ReturnType<typeof tupleView>,
      ReturnType<typeof tupleView>,
    ];
    const added = Object.keys(b.channels).filter((c) => !(c in a.channels));
    const removed = Object.keys(a.channels).filter((c) => !(c in b.channels));
    const changed: ChannelChange[] = [];
    for (const [channel, before] of Object.entries(a.channels)) {
      const after = b.channels[channel];
      if (after === undefined) continue;
      const changes = jsonDiff(before.value, after.value, channel);
      if (changes.length > 0 || before.version !== after.version) {
        changed.push({ channel, version_a: before.version, version_b: after.version, changes });
      }
    }
    const metadata = jsonDiff(a.metadata, b.metadata);
    if (context.json) {
      writeJson(context.out, {
        thread_id: threadId,
        a: idA,
        b: idB,
        added: Object.fromEntries(added.map((c) => [c, b.channels[c]])),
        removed: Object.fromEntries(removed.map((c) => [c, a.channels[c]])),
        changed,
        metadata,
      });
      return;
    }
    const lines = [`--- ${idA}`, `+++ ${idB}`];
    for (const c of added) lines.push(`+ ${c} (v${String(b.channels[c]!.version)}): ${displayValue(b.channels[c]!.value)}`);
    for (const c of removed) lines.push(`- ${c} (v${String(a.channels[c]!.version)})`);
    for (const { channel, version_a, version_b, changes } of changed) {
      lines.push(`~ ${channel} (v${String(version_a)} -> v${String(version_b)})`);
      for (const change of changes) {
        const message = change.op === "added" ? describeMessage(change.after) : undefined;
        const where = change.path;
        if (message !== undefined) lines.push(`    + message ${message}`);
        else if (change.op === "added") lines.push(`    + ${where}: ${displayValue(change.after)}`);
        else if (change.op === "removed") lines.push(`    - ${where}: ${displayValue(change.before)}`);
        else lines.push(`    ~ ${where}: ${displayValue(change.before)} -> ${displayValue(change.after)}`);
      }
    }
    for (const change of metadata) lines.push(`  metadata ${change.op} ${change.path}: ${displayValue(change.after ?? change.before)}`);
    if (added.length + removed.length + changed.length === 0) lines.push("(no channel differs)");
    context.out.stdout(`${lines.join("\n")}\n`);
  },
};
