import { timestampMs } from "@bufbuild/protobuf/wkt";
import { useEffect, useRef, useState } from "preact/hooks";
import { href } from "../route/use-route.js";
import { InterruptPanel } from "./interrupt-panel.js";
import { RetentionForm } from "./retention-form.js";
import { ThreadActions } from "./thread-actions.js";
import { ThreadFacts } from "./thread-facts.js";
import { TimelineView } from "./timeline-view.js";
import { useThreadEvents } from "./use-thread-events.js";
import { useThreadInfo } from "./use-thread-info.js";
import { useTimeline } from "./use-timeline.js";

/** One thread: its facts (GetThread), actions, retention, the pending interrupt, live state, and the history as a paged timeline. */
export function ThreadPage({ thread }: { thread: string }) {
  // A prune rewrites history: the view starts over.
  const [version, setVersion] = useState(0);
  return <ThreadView key={`${thread}:${version}`} thread={thread} onChanged={() => setVersion((v) => v + 1)} />;
}

function ThreadView({ thread, onChanged }: { thread: string; onChanged(): void }) {
  const [ns, setNs] = useState<string | undefined>(undefined);
  const [namespaces, setNamespaces] = useState<string[]>([""]);
  const [picked, setPicked] = useState<string[]>([]);
  const timeline = useTimeline(thread, ns);
  const started = timeline.tuples.length > 0 || timeline.done;
  const events = useThreadEvents(thread, started);
  const info = useThreadInfo(thread, started);

  useEffect(() => {
    const newest = timeline.tuples[0]?.config?.checkpointId;
    if (events.newestCheckpointId !== undefined && newest !== undefined && events.newestCheckpointId > newest) timeline.refreshHead();
    if (events.newestCheckpointId !== undefined && newest === undefined && timeline.done) timeline.refreshHead();
  }, [events.newestCheckpointId]);
  // The facts move with each event newer than what GetThread saw (a checkpoint, writes, a resume, a
  // sweep, a delete); the replay of older events asks nothing.
  const refreshedFor = useRef(0);
  useEffect(() => {
    const ts = events.lastEventTs === undefined ? NaN : Date.parse(events.lastEventTs);
    if (info.thread === undefined || !(ts > refreshedFor.current)) return;
    const seen = info.thread.lastWriteAt === undefined ? 0 : timestampMs(info.thread.lastWriteAt);
    refreshedFor.current = ts;
    if (ts > seen) info.refresh();
  }, [events.lastEventTs, info.thread]);
  useEffect(() => {
    const seen = new Set(namespaces);
    const more = timeline.tuples.map((t) => t.config?.checkpointNs ?? "").filter((n) => !seen.has(n));
    if (more.length > 0) setNamespaces([...seen, ...new Set(more)].sort());
  }, [timeline.tuples]);

  const pick = (key: string) => setPicked((p) => (p.includes(key) ? p.filter((k) => k !== key) : [...p, key].slice(-2)));
  const [a, b] = picked.map((k) => k.split("\u0000") as [string, string]);
  return (
    <section data-testid="thread-page">
      <p>
        <a href={href({ page: "threads", filter: "", prefix: "" })}>threads</a> /
      </p>
      <h1 class="mono">{thread}</h1>
      <p class="muted" data-testid="live-status">
        {events.error !== undefined
          ? `live updates stopped: ${events.error}`
          : events.live
            ? `live · ${events.count} events`
            : "connecting…"}
        {events.deleted ? " · the thread was deleted" : ""}
      </p>
      <ThreadFacts thread={info.thread} error={info.error} />
      <ThreadActions thread={thread} onChanged={onChanged} />
      {info.thread !== undefined && (
        <RetentionForm thread={thread} own={info.thread.threadPolicy} onSet={(t) => (t === undefined ? info.refresh() : info.replace(t))} />
      )}
      <InterruptPanel thread={thread} events={events} />
      <div class="toolbar">
        <label>
          namespace{" "}
          <select
            name="ns"
            value={ns === undefined ? "*" : ns}
            onChange={(e) => setNs(e.currentTarget.value === "*" ? undefined : e.currentTarget.value)}
          >
            <option value="*">all</option>
            {namespaces.map((n) => (
              <option key={n} value={n}>
                {n === "" ? "(root)" : n}
              </option>
            ))}
          </select>
        </label>
        {a !== undefined && b !== undefined && a[0] !== b[0] ? (
          <span class="muted">pick two checkpoints of one namespace to diff them</span>
        ) : a !== undefined && b !== undefined ? (
          <a
            data-testid="diff-link"
            href={href({ page: "diff", thread, ns: a[0], a: a[1] < b[1] ? a[1] : b[1], b: a[1] < b[1] ? b[1] : a[1] })}
          >
            diff the two picked checkpoints
          </a>
        ) : (
          <span class="muted">pick two checkpoints to diff them</span>
        )}
      </div>
      <TimelineView thread={thread} timeline={timeline} picked={picked} onPick={pick} />
    </section>
  );
}
