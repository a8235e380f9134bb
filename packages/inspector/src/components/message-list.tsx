import type { ChatMessage } from "../decode/as-message.js";
import { showJson } from "../decode/decode-value.js";

export function MessageList({ messages, mark }: { messages: readonly ChatMessage[]; mark?: "added" | "removed" }) {
  return (
    <ol class={`messages ${mark ?? ""}`}>
      {messages.map((m, i) => (
        <li key={m.id ?? i} class={`message role-${m.role}`} data-testid="message">
          <span class="role">{m.role}</span>
          <span class="content">{m.content}</span>
          {m.toolCalls.length > 0 && <pre class="tool-calls">{showJson(m.toolCalls)}</pre>}
        </li>
      ))}
    </ol>
  );
}
