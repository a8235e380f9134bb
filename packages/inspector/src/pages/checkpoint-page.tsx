import type { ChannelVersion, CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { ValueView } from "../components/value-view.js";
import { decodeValue, showJson } from "../decode/decode-value.js";
import { href } from "../route/use-route.js";
import { useTuple } from "./use-tuple.js";

export function showVersion(v: ChannelVersion | undefined): string {
  switch (v?.kind.case) {
    case "intValue":
      return v.kind.value.toString();
    case "floatValue":
      return String(v.kind.value);
    case "stringValue":
      return JSON.stringify(v.kind.value);
    default:
      return "";
  }
}

function CheckpointView({ tuple }: { tuple: CheckpointTuple }) {
  const thread = tuple.config?.threadId ?? "";
  const ns = tuple.config?.checkpointNs ?? "";
  const id = tuple.config?.checkpointId ?? "";
  const checkpoint = tuple.checkpoint;
  const parent = tuple.parentConfig?.checkpointId;
  const channels = Object.keys(checkpoint?.channelVersions ?? {}).sort();
  return (
    <>
      <p class="muted">
        v{checkpoint?.v} · {checkpoint?.ts}
        {ns === "" ? "" : ` · ns ${ns}`}
        {parent !== undefined && parent !== "" && (
          <>
            {" · parent "}
            <a href={href({ page: "checkpoint", thread, ns, id: parent })}>{parent}</a>
            {" · "}
            <a data-testid="diff-parent" href={href({ page: "diff", thread, ns, a: parent, b: id })}>
              diff with parent
            </a>
          </>
        )}
      </p>
      <h2>Metadata</h2>
      <pre class="json" data-testid="metadata">
        {showJson(tuple.metadata ?? {})}
      </pre>
      <h2>Channels</h2>
      <table class="channels">
        <tbody>
          {channels.map((channel) => {
            const value = checkpoint?.channelValues[channel];
            return (
              <tr key={channel} data-testid="channel" data-channel={channel}>
                <th class="mono">{channel}</th>
                <td class="mono small">v {showVersion(checkpoint?.channelVersions[channel])}</td>
                <td>
                  {value === undefined ? <span class="muted">(no value)</span> : <ValueView value={decodeValue(value.type, value.data)} />}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {checkpoint !== undefined && checkpoint.updatedChannels.length > 0 && (
        <p>
          updated channels: <span class="mono">{checkpoint.updatedChannels.join(", ")}</span>
        </p>
      )}
      <h2>Pending writes ({tuple.pendingWrites.length})</h2>
      <table class="writes">
        <tbody>
          {tuple.pendingWrites.map((w, i) => (
            <tr key={i} data-testid="pending-write">
              <td class="mono small">{w.taskId}</td>
              <td class="mono small">{w.taskPath}</td>
              <th class="mono">{w.channel}</th>
              <td>{w.value === undefined ? "" : <ValueView value={decodeValue(w.value.type, w.value.data)} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Versions seen</h2>
      <table class="versions">
        <tbody>
          {Object.entries(checkpoint?.versionsSeen ?? {}).map(([node, seen]) => (
            <tr key={node}>
              <th class="mono">{node}</th>
              <td class="mono small">
                {Object.entries(seen.versions)
                  .map(([c, v]) => `${c}: ${showVersion(v)}`)
                  .join(", ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** One checkpoint: every channel (decoded when json/msgpack, hex otherwise), metadata, versions, pending writes. */
export function CheckpointPage({ thread, ns, id }: { thread: string; ns: string; id: string }) {
  const loaded = useTuple(thread, ns, id);
  return (
    <section data-testid="checkpoint-page">
      <p>
        <a href={href({ page: "threads", filter: "", prefix: "" })}>threads</a> / <a href={href({ page: "thread", thread })}>{thread}</a> /
      </p>
      <h1 class="mono">{id}</h1>
      {loaded.state === "loading" && <p>loading…</p>}
      {loaded.state === "error" && <p class="error">{loaded.message}</p>}
      {loaded.state === "missing" && <p class="error">no such checkpoint</p>}
      {loaded.state === "ok" && <CheckpointView tuple={loaded.value} />}
    </section>
  );
}
