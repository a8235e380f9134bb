/** A chat message as the inspector shows it. */
export interface ChatMessage {
  role: string;
  content: string;
  id: string | undefined;
  toolCalls: unknown[];
}

const roleOf: Record<string, string> = {
  HumanMessage: "human",
  HumanMessageChunk: "human",
  AIMessage: "ai",
  AIMessageChunk: "ai",
  SystemMessage: "system",
  ToolMessage: "tool",
  FunctionMessage: "function",
  ChatMessage: "chat",
  RemoveMessage: "remove",
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : JSON.stringify(part))).join("");
  return JSON.stringify(content);
}

function fromFields(className: string, fields: Record<string, unknown>): ChatMessage | undefined {
  const role = roleOf[className] ?? (typeof fields.role === "string" ? fields.role : undefined);
  if (role === undefined || !("content" in fields)) return undefined;
  return {
    role,
    content: contentText(fields.content),
    id: typeof fields.id === "string" ? fields.id : undefined,
    toolCalls: Array.isArray(fields.tool_calls) ? fields.tool_calls : [],
  };
}

/**
 * A decoded value that is a LangChain message: JS's serialized form
 * (`{lc: 1, type: "constructor", id: [..., "HumanMessage"], kwargs}`), Python's
 * msgpack ext (`{$type: "langchain_core.messages.human.HumanMessage", ...}`),
 * or a plain `{type: "human", content}` dict.
 */
export function asMessage(value: unknown): ChatMessage | undefined {
  if (!isRecord(value)) return undefined;
  if (value.lc === 1 && value.type === "constructor" && Array.isArray(value.id) && isRecord(value.kwargs)) {
    return fromFields(String(value.id.at(-1)), value.kwargs);
  }
  if (typeof value.$type === "string") return fromFields(value.$type.split(".").at(-1) ?? "", value);
  if (typeof value.type === "string" && "content" in value) {
    const role = { human: "human", ai: "ai", system: "system", tool: "tool" }[value.type] ?? value.type;
    return fromFields("", { ...value, role });
  }
  return undefined;
}

/** Every item is a message (and there is at least one). */
export function asMessages(value: unknown): ChatMessage[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const messages = value.map(asMessage);
  return messages.every((m) => m !== undefined) ? (messages as ChatMessage[]) : undefined;
}
