import type { CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { useEffect, useMemo, useRef } from "preact/hooks";
import { LaneCell } from "../components/lane-cell.js";
import { href } from "../route/use-route.js";
import { computeLanes } from "./compute-lanes.js";
import type { Timeline } from "./use-timeline.js";

export interface TimelineViewProps {
  thread: string;
  timeline: Timeline;
  /** Checkpoints picked for a diff (at most two), as `ns\0id`. */
  picked: readonly string[];
  onPick(key: string): void;
}

export const tupleKey = (t: CheckpointTuple) => `${t.config?.checkpointNs ?? ""}\u0000${t.config?.checkpointId ?? ""}`;

function writesSummary(tuple: CheckpointTuple): string {
  const byTask = new Map<string, string[]>();
  for (const w of tuple.pendingWrites) byTask.set(w.taskId, [...(byTask.get(w.taskId) ?? []), w.channel]);
  return [...byTask.values()].map((channels) => channels.join(", ")).join(" | ");
}

/** The history: one row per checkpoint with its branch lanes; the next page loads when the end scrolls into view. */
export function TimelineView({ thread, timeline, picked, onPick }: TimelineViewProps) {
  const { tuples } = timeline;
  const lanes = useMemo(
    () =>
      computeLanes(
        tuples.map((t) => ({
          key: tupleKey(t),
          parentKey: t.parentConfig?.checkpointId ? `${t.config?.checkpointNs ?? ""}\u0000${t.parentConfig.checkpointId}` : undefined,
        })),
      ),
    [tuples],
  );
  const width = Math.max(1, ...lanes.map((l) => Math.max(l.lane + 1, l.through.length)));
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const target = sentinel.current;
    if (target === null) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) timeline.loadMore();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [timeline.loadMore, tuples.length]);

  return (
    <div class="timeline" data-testid="timeline" data-rows={tuples.length} data-done={timeline.done ? "yes" : "no"}>
      <table>
        <thead>
          <tr>
            <th />
            <th>diff</th>
            <th>checkpoint</th>
            <th>ns</th>
            <th>step</th>
            <th>source</th>
            <th>time</th>
            <th>pending writes</th>
          </tr>
        </thead>
        <tbody>
          {tuples.map((t, i) => {
            const key = tupleKey(t);
            const id = t.config?.checkpointId ?? "";
            const ns = t.config?.checkpointNs ?? "";
            return (
              <tr key={key} data-testid="checkpoint-row" data-checkpoint={id} class={lanes[i]!.forks.length > 0 ? "forked" : ""}>
                <td class="lane-cell">
                  <LaneCell row={lanes[i]!} width={width} />
                </td>
                <td>
                  <input type="checkbox" aria-label="pick for diff" checked={picked.includes(key)} onChange={() => onPick(key)} />
                </td>
                <td class="mono">
                  <a href={href({ page: "checkpoint", thread, ns, id })}>{id}</a>
                </td>
                <td class="mono">{ns === "" ? "" : ns}</td>
                <td>{String(t.metadata?.step ?? "")}</td>
                <td>{String(t.metadata?.source ?? "")}</td>
                <td class="mono small">{t.checkpoint?.ts ?? ""}</td>
                <td class="small">{writesSummary(t)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div ref={sentinel} class="sentinel">
        {timeline.error !== undefined ? (
          <span class="error">{timeline.error}</span>
        ) : timeline.done ? (
          <span class="muted">{tuples.length} checkpoints: the start of the thread</span>
        ) : (
          <button type="button" data-testid="load-more" disabled={timeline.loading} onClick={() => timeline.loadMore()}>
            {timeline.loading ? "loading…" : "older checkpoints"}
          </button>
        )}
      </div>
    </div>
  );
}
