import type { RunnableConfig } from "@langchain/core/runnables";
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChannelVersions, Checkpoint, CheckpointMetadata, PendingWrite } from "@langchain/langgraph-checkpoint";
import { uuid6 } from "@langchain/langgraph-checkpoint";

/**
 * The LangGraph-level data both savers get: a 5-channel agent state of about
 * 4 KB once serialized (LangChain messages, a context object, a plan, a
 * scratchpad and a route), of which one channel changes per step, as a
 * LangGraph loop step changes the channels its node wrote.
 */
export const benchChannels = ["messages", "context", "plan", "scratchpad", "route"] as const;
export type BenchChannel = (typeof benchChannels)[number];

/** One `put(config, checkpoint, metadata, newVersions)` call. */
export interface PutCall {
  config: RunnableConfig;
  checkpoint: Checkpoint;
  metadata: CheckpointMetadata;
  newVersions: ChannelVersions;
}

const vocabulary = (
  "the of and to in is for on that with as it was at by from this be are or an not have which you but can has all " +
  "agent tool search result user answer question plan step thread graph checkpoint state message node call query " +
  "document summary price order account invoice weather flight booking refund status error retry approve review"
).split(" ");

/**
 * `length` characters of text that reads (and compresses, in PostgreSQL's
 * TOAST) like prose rather than like a repeated pattern: words drawn from a
 * vocabulary by a PRNG seeded with the label, so a value is the same in
 * every run and for both savers.
 */
const filler = (label: string, length: number) => {
  let seed = 2166136261;
  for (const char of label) seed = Math.imul(seed ^ char.charCodeAt(0), 16777619) >>> 0;
  let text = `${label}:`;
  while (text.length < length) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    text += ` ${vocabulary[seed % vocabulary.length]}`;
  }
  return text.slice(0, length);
};

/** A channel's value at a step: the same shape and size at every step, different content. */
export function channelValue(channel: BenchChannel, step: number): unknown {
  switch (channel) {
    case "messages":
      return [
        new HumanMessage({ id: `human-${step}`, content: filler(`question ${step}`, 380) }),
        new AIMessage({
          id: `ai-${step}-1`,
          content: "",
          tool_calls: [{ id: `call-${step}`, name: "search", args: { query: filler(`q${step}`, 80) }, type: "tool_call" }],
        }),
        new ToolMessage({ id: `tool-${step}`, tool_call_id: `call-${step}`, content: filler(`result ${step}`, 420) }),
        new AIMessage({ id: `ai-${step}-2`, content: filler(`answer ${step}`, 360) }),
      ];
    case "context":
      return {
        user: { id: "user-42", locale: "en-GB", plan: "team" },
        documents: [0, 1, 2, 3].map((d) => ({ id: `doc-${step}-${d}`, title: filler(`title ${d}`, 40), snippet: filler(`s${step}`, 130) })),
      };
    case "plan":
      return [0, 1, 2, 3, 4].map((i) => filler(`step ${i} of plan ${step}`, 85));
    case "scratchpad":
      return filler(`notes at step ${step}`, 240);
    case "route":
      return { next: step % 2 === 0 ? "agent" : "tools", attempts: step % 3 };
  }
}

/** The 3 pending writes of one task: a message, a scratchpad note and a branch marker. */
export function taskWrites(step: number): PendingWrite[] {
  return [
    ["messages", [new AIMessage({ id: `w-${step}`, content: filler(`partial ${step}`, 200) })]],
    ["scratchpad", filler(`write ${step}`, 120)],
    ["branch:to:tools", null],
  ];
}

/** A message of the 1,000-step conversation (storage growth): one is appended per step. */
export function conversationMessage(step: number): BaseMessage {
  return step % 2 === 0
    ? new HumanMessage({ id: `m-${step}`, content: filler(`user turn ${step}`, 160) })
    : new AIMessage({ id: `m-${step}`, content: filler(`assistant turn ${step}`, 240) });
}

const metadataOf = (step: number): CheckpointMetadata =>
  ({ source: step < 0 ? "input" : "loop", step, parents: {}, run_id: "3f0e5a61-bench-run", user_id: "user-42" }) as CheckpointMetadata;

/**
 * A thread's successive checkpoints. `next()` returns the step's put call:
 * the first step writes every channel, each later one changes one channel
 * (round robin) and bumps its version; the parent is the previous checkpoint.
 * `ids` fixes the checkpoint ids (so that both savers get the same ones).
 */
export class Conversation {
  step = 0;
  lastId: string | undefined;
  private readonly values: Record<string, unknown> = {};
  private readonly versions: Record<string, number> = {};

  constructor(
    readonly threadId: string,
    private readonly ids?: readonly string[],
  ) {}

  next(changed: { channel: BenchChannel; value: unknown }[] = this.defaultChange()): PutCall {
    const step = this.step++;
    const newVersions: ChannelVersions = {};
    for (const { channel, value } of changed) {
      this.values[channel] = value;
      this.versions[channel] = (this.versions[channel] ?? 0) + 1;
      newVersions[channel] = this.versions[channel];
    }
    const id = this.ids?.[step] ?? uuid6(step);
    const config: RunnableConfig = {
      configurable: { thread_id: this.threadId, checkpoint_ns: "", ...(this.lastId === undefined ? {} : { checkpoint_id: this.lastId }) },
    };
    this.lastId = id;
    const checkpoint: Checkpoint = {
      v: 4,
      id,
      ts: new Date().toISOString(),
      channel_values: { ...this.values },
      channel_versions: { ...this.versions },
      versions_seen: { agent: { messages: this.versions["messages"] ?? 0 }, tools: { route: this.versions["route"] ?? 0 } },
    };
    return { config, checkpoint, metadata: metadataOf(step), newVersions };
  }

  /** The config that names the last checkpoint (for putWrites and getTuple by id). */
  lastConfig(): RunnableConfig {
    return { configurable: { thread_id: this.threadId, checkpoint_ns: "", checkpoint_id: this.lastId } };
  }

  private defaultChange(): { channel: BenchChannel; value: unknown }[] {
    if (this.step === 0) return benchChannels.map((channel) => ({ channel, value: channelValue(channel, 0) }));
    const channel = benchChannels[this.step % benchChannels.length] ?? "messages";
    return [{ channel, value: channelValue(channel, this.step) }];
  }
}

/** Checkpoint ids in step order (uuid6, as LangGraph makes them), fixed up front. */
export const checkpointIds = (count: number): string[] => Array.from({ length: count }, (_, step) => uuid6(step));
