import { asMessages } from "../decode/as-message.js";
import { showJson, type DecodedValue } from "../decode/decode-value.js";
import { MessageList } from "./message-list.js";

/** A stored value: messages as messages, other decoded values as JSON, undecodable ones as hex. */
export function ValueView({ value }: { value: DecodedValue }) {
  if (value.kind === "raw") {
    return (
      <div class="raw">
        <span class="type">
          {value.type} · {value.size} bytes{value.error === undefined ? "" : ` · ${value.error}`}
        </span>
        <pre class="hex">{value.hex}</pre>
      </div>
    );
  }
  const messages = asMessages(value.value);
  return (
    <div class="decoded">
      <span class="type">{value.type}</span>
      {messages !== undefined ? <MessageList messages={messages} /> : <pre class="json">{showJson(value.value)}</pre>}
    </div>
  );
}
