import { PruneStrategy } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { usageError } from "./command-error.js";
import { writeJson } from "./output.js";
import { stringOption, type Verb } from "./verb.js";

const strategies = { keep_latest: PruneStrategy.KEEP_LATEST, delete: PruneStrategy.DELETE } as const;

export const pruneCommand: Verb = {
  name: "prune",
  synopsis: "THREAD... --strategy keep_latest|delete",
  summary: "prune threads: keep only each namespace's latest checkpoint, or delete them",
  arity: [1, Infinity],
  options: { strategy: { type: "string", metavar: "keep_latest|delete", help: "what pruning does (required)" } },
  async run(context) {
    const name = stringOption(context, "strategy");
    if (name === undefined || !Object.prototype.hasOwnProperty.call(strategies, name)) {
      throw usageError(`prune: --strategy must be keep_latest or delete${name === undefined ? "" : `, not "${name}"`}`);
    }
    await context.client().prune({ threadIds: [...context.args], strategy: strategies[name as keyof typeof strategies] });
    if (context.json) writeJson(context.out, { pruned: context.args, strategy: name });
    else context.out.stdout(`pruned ${context.args.join(", ")} (${name})\n`);
  },
};
