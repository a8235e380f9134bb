import { usageError } from "./command-error.js";
import { openLanggraphTables } from "./langgraph-tables.js";
import { writeJson } from "./output.js";
import { createProgress } from "./progress.js";
import { createThreadWriter } from "./thread-writer.js";
import { stringOption, type Verb } from "./verb.js";

/** LangGraph's own Postgres tables into checkpointd, through its RPCs; restartable, and a second run adds nothing. */
export const importLanggraphCommand: Verb = {
  name: "import-langgraph",
  synopsis: "--from postgres://…",
  summary: "import the threads of LangGraph's PostgresSaver / AsyncPostgresSaver tables",
  arity: [0, 0],
  options: {
    from: { type: "string", metavar: "URL", help: "the PostgreSQL database LangGraph's saver writes to (required)" },
    schema: { type: "string", metavar: "SCHEMA", help: "the schema of its tables (default public)" },
  },
  async run(context) {
    const from = stringOption(context, "from");
    if (from === undefined || from === "") throw usageError("import-langgraph: --from postgres://… is required");
    const tables = await openLanggraphTables(from, stringOption(context, "schema") ?? "public");
    try {
      const total = await tables.count();
      const progress = createProgress({ out: context.out, unit: "checkpoints", json: context.json, total });
      const writeThread = createThreadWriter({ client: context.client(), progress, signal: context.signal });
      for await (const { threadId, records } of tables.threads()) await writeThread(threadId, records);
      progress.done();
      const c = progress.counts;
      const summary = { threads: c.threads ?? 0, checkpoints: c.written ?? 0, skipped: c.skipped ?? 0, writes: c.writes ?? 0 };
      if (context.json) writeJson(context.out, { imported: summary });
      else {
        context.out.stdout(
          `imported ${summary.checkpoints} checkpoints and ${summary.writes} writes of ${summary.threads} threads (${summary.skipped} already there)\n`,
        );
      }
    } finally {
      await tables.close();
    }
  },
};
