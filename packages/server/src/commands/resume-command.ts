import { CommandError, usageError } from "./command-error.js";
import { displayValue } from "./decode-typed-value.js";
import { writeJson } from "./output.js";
import { parseJsonOption } from "./parse-json-option.js";
import { pendingInterrupts } from "./pending-interrupts.js";
import { stringOption, type Verb } from "./verb.js";

/** Answers a thread's interrupt: the value as JSON (what LangGraph's serializers read in both languages), keyed by interrupt id. */
export const resumeCommand: Verb = {
  name: "resume",
  synopsis: "THREAD --value JSON",
  summary: "answer a thread's pending interrupt (every pending one unless --interrupt names one)",
  arity: [1, 1],
  options: {
    value: { type: "string", metavar: "JSON", help: "the answer, as JSON (required)" },
    interrupt: { type: "string", metavar: "ID", help: "the interrupt to answer (default: those of the latest checkpoint)" },
    ns: { type: "string", metavar: "NS", help: 'checkpoint namespace (default "")' },
    "idempotency-key": { type: "string", metavar: "KEY", help: "a retried resume with the same key records one resume" },
  },
  async run(context) {
    const [threadId] = context.args as [string];
    const raw = stringOption(context, "value");
    if (raw === undefined) throw usageError("resume: --value JSON is required");
    const answer = parseJsonOption("--value", raw);
    const checkpointNs = stringOption(context, "ns") ?? "";
    let ids: string[];
    const named = stringOption(context, "interrupt");
    if (named !== undefined) ids = [named];
    else {
      const tuple = await context.client().getTuple({ config: { threadId, checkpointNs } });
      const pending = tuple === undefined ? [] : pendingInterrupts(tuple);
      if (pending.length === 0) throw new CommandError(`thread ${threadId} has no pending interrupt (name one with --interrupt ID)`);
      ids = pending.map((p) => p.id);
    }
    const data = new TextEncoder().encode(JSON.stringify(answer));
    const key = stringOption(context, "idempotency-key");
    const response = await context.client().resume({
      threadId,
      checkpointNs,
      values: Object.fromEntries(ids.map((id) => [id, { type: "json", data }])),
      ...(key === undefined ? {} : { idempotencyKey: key }),
    });
    if (context.json)
      writeJson(context.out, { thread_id: threadId, resume_id: response.resumeId, event_id: response.eventId, interrupts: ids });
    else
      context.out.stdout(`resume ${response.resumeId} sent for ${ids.join(", ")}: ${displayValue(answer)} (event ${response.eventId})\n`);
  },
};
