import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Thread } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { describePolicy, type PolicyText } from "../format/retention-fields.js";

const time = (t: Timestamp | undefined, none: string) => (t === undefined ? none : timestampDate(t).toISOString());

function bytes(n: bigint): string {
  const v = Number(n);
  if (v < 1024) return `${v} B`;
  if (v < 1024 * 1024) return `${(v / 1024).toFixed(1)} KiB`;
  return `${(v / 1024 / 1024).toFixed(1)} MiB`;
}

function Fact({ name, label, value, title }: { name: string; label: string; value: string; title?: string }) {
  return (
    <div class="fact" data-fact={name}>
      <dt>{label}</dt>
      <dd class="mono" title={title}>
        {value}
      </dd>
    </div>
  );
}

const rows: [keyof PolicyText, string][] = [
  ["maxVersions", "max versions"],
  ["maxAge", "max age"],
  ["ttl", "TTL"],
  ["strategy", "TTL strategy"],
  ["pinned", "pinned"],
];

/** GetThread's facts: size, clock, and the retention policy in force beside the thread's own. */
export function ThreadFacts({ thread, error }: { thread: Thread | undefined; error: string | undefined }) {
  if (thread === undefined) {
    return (
      <p class={error === undefined ? "muted" : "error"} data-testid="thread-facts-error">
        {error ?? "reading the thread…"}
      </p>
    );
  }
  const inForce = thread.policy === undefined ? undefined : describePolicy(thread.policy);
  const own = thread.threadPolicy === undefined ? undefined : describePolicy(thread.threadPolicy);
  return (
    <div class="facts" data-testid="thread-facts">
      <dl>
        <Fact name="checkpoints" label="checkpoints" value={String(thread.checkpointCount)} />
        <Fact name="namespaces" label="namespaces" value={thread.namespaces.map((n) => (n === "" ? "(root)" : n)).join(", ")} />
        <Fact name="stored-bytes" label="stored" value={bytes(thread.storedBytes)} title={`${thread.storedBytes} bytes`} />
        <Fact name="created" label="created" value={time(thread.createdAt, "—")} />
        <Fact name="last-write" label="last write" value={time(thread.lastWriteAt, "—")} />
        <Fact name="expires" label="expires" value={time(thread.expiresAt, "never")} />
      </dl>
      <table class="policy" data-testid="retention-policy">
        <thead>
          <tr>
            <th>retention</th>
            <th>in force</th>
            <th>this thread's own ({own === undefined ? "none: the server's defaults" : "set"})</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([key, label]) => (
            <tr key={key} data-policy={key}>
              <td>{label}</td>
              <td class="mono in-force">{inForce?.[key] ?? ""}</td>
              <td class="mono own">{own?.[key] ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {error !== undefined && <p class="error">{error}</p>}
    </div>
  );
}
