import { MessageList } from "../components/message-list.js";
import { ValueView } from "../components/value-view.js";
import { showJson } from "../decode/decode-value.js";
import { diffCheckpoints, type ChannelChange } from "../diff/diff-checkpoints.js";
import { formatPath, type JsonChange } from "../diff/diff-json.js";
import { href } from "../route/use-route.js";
import { useTuple } from "./use-tuple.js";

function Changes({ changes }: { changes: readonly JsonChange[] }) {
  return (
    <ul class="changes">
      {changes.map((c, i) => (
        <li key={i} class={`change ${c.op}`} data-testid="json-change">
          <span class="mono">{formatPath(c.path)}</span> <span class="op">{c.op}</span>{" "}
          {c.op !== "add" && <code class="before">{showJson(c.before, 0)}</code>}
          {c.op === "change" && " → "}
          {c.op !== "remove" && <code class="after">{showJson(c.after, 0)}</code>}
        </li>
      ))}
    </ul>
  );
}

function Changed({ change }: { change: ChannelChange }) {
  return (
    <div class="changed" data-testid="changed-channel" data-channel={change.channel}>
      <h3 class="mono">{change.channel}</h3>
      {change.addedMessages.length > 0 && (
        <div data-testid="added-messages">
          <h4>messages added</h4>
          <MessageList messages={change.addedMessages} mark="added" />
        </div>
      )}
      {change.removedMessages.length > 0 && (
        <div data-testid="removed-messages">
          <h4>messages removed</h4>
          <MessageList messages={change.removedMessages} mark="removed" />
        </div>
      )}
      {change.addedMessages.length === 0 && change.removedMessages.length === 0 && <Changes changes={change.changes} />}
    </div>
  );
}

/** What changed from checkpoint a to checkpoint b (a is usually the older). */
export function DiffPage({ thread, ns, a, b }: { thread: string; ns: string; a: string; b: string }) {
  const left = useTuple(thread, ns, a);
  const right = useTuple(thread, ns, b);
  const link = (id: string) => <a href={href({ page: "checkpoint", thread, ns, id })}>{id}</a>;
  let body;
  if (left.state === "ok" && right.state === "ok") {
    const diff = diffCheckpoints(left.value, right.value);
    body = (
      <>
        <h2>Channels added ({diff.added.length})</h2>
        {diff.added.map((x) => (
          <div key={x.channel} class="added" data-testid="added-channel" data-channel={x.channel}>
            <h3 class="mono">{x.channel}</h3>
            <ValueView value={x.value} />
          </div>
        ))}
        <h2>Channels removed ({diff.removed.length})</h2>
        {diff.removed.map((x) => (
          <div key={x.channel} class="removed" data-testid="removed-channel" data-channel={x.channel}>
            <h3 class="mono">{x.channel}</h3>
            <ValueView value={x.value} />
          </div>
        ))}
        <h2>Channels changed ({diff.changed.length})</h2>
        {diff.changed.map((c) => (
          <Changed key={c.channel} change={c} />
        ))}
        <p class="muted">unchanged: {diff.unchanged.join(", ") || "none"}</p>
        <h2>Metadata</h2>
        {diff.metadata.length === 0 ? <p class="muted">same</p> : <Changes changes={diff.metadata} />}
      </>
    );
  } else {
    const failed = [left, right].find((l) => l.state === "error" || l.state === "missing");
    body = failed === undefined ? <p>loading…</p> : <p class="error">{failed.state === "error" ? failed.message : "no such checkpoint"}</p>;
  }
  return (
    <section data-testid="diff-page">
      <p>
        <a href={href({ page: "threads", filter: "", prefix: "" })}>threads</a> / <a href={href({ page: "thread", thread })}>{thread}</a> /
      </p>
      <h1>Diff</h1>
      <p class="mono small">
        {link(a)} → {link(b)}
      </p>
      {body}
    </section>
  );
}
