import { writeJson } from "./output.js";
import type { Verb } from "./verb.js";

export const deleteCommand: Verb = {
  name: "delete",
  synopsis: "THREAD...",
  summary: "delete threads: every checkpoint, write and event",
  arity: [1, Infinity],
  async run(context) {
    for (const threadId of context.args) await context.client().deleteThread(threadId);
    if (context.json) writeJson(context.out, { deleted: context.args });
    else context.out.stdout(`deleted ${context.args.join(", ")}\n`);
  },
};
