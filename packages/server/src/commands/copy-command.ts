import { writeJson } from "./output.js";
import type { Verb } from "./verb.js";

export const copyCommand: Verb = {
  name: "copy",
  synopsis: "SRC DST",
  summary: "copy (fork) a thread with all its checkpoints and writes",
  arity: [2, 2],
  async run(context) {
    const [source, target] = context.args as [string, string];
    await context.client().copyThread({ sourceThreadId: source, targetThreadId: target });
    if (context.json) writeJson(context.out, { copied: { source, target } });
    else context.out.stdout(`copied ${source} to ${target}\n`);
  },
};
