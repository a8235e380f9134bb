import type { JsonObject } from "@bufbuild/protobuf";
import { useEffect, useRef, useState } from "preact/hooks";
import { fetchThreadCounts } from "../api/fetch-thread-counts.js";
import { exactThread, scanThreads, type ThreadRow } from "../api/scan-threads.js";
import { isAbort, useApp } from "../app-context.js";
import { showJson } from "../decode/decode-value.js";
import { href } from "../route/use-route.js";

const pageSize = 25;
const maxScan = 2000;

function parseFilter(text: string): JsonObject | undefined | Error {
  if (text.trim() === "") return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return new Error("the metadata filter must be a JSON object");
    return value as JsonObject;
  } catch (error) {
    return new Error(`the metadata filter is not JSON: ${(error as Error).message}`);
  }
}

/** Threads, most recently active first; filtered by metadata containment and thread-id prefix; paged. */
export function ThreadsPage({ filter, prefix }: { filter: string; prefix: string }) {
  const { api, handleError } = useApp();
  const [filterText, setFilterText] = useState(filter);
  const [prefixText, setPrefixText] = useState(prefix);
  const [rows, setRows] = useState<ThreadRow[]>([]);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [scanned, setScanned] = useState(0);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [started] = useState(() => performance.now());
  const [loadMs, setLoadMs] = useState<number | undefined>(undefined);
  // GetThread's checkpoint count per row shown (or the error's message), asked once the page is full.
  const [counts, setCounts] = useState<ReadonlyMap<string, string>>(new Map());

  // The scan in flight: a new search or leaving the page cancels it.
  const scan = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => scan.current?.abort(), []);

  const load = async (before: string | undefined, shown: ThreadRow[]) => {
    scan.current?.abort();
    const controller = new AbortController();
    scan.current = controller;
    const parsed = parseFilter(filter);
    if (before === undefined) setRows([]);
    if (parsed instanceof Error) return setError(parsed.message);
    setLoading(true);
    setError(undefined);
    try {
      // A prefix that is a whole thread id finds that thread at once, however far back the scan would reach it.
      const exact = before === undefined && parsed === undefined ? await exactThread(api, prefix) : undefined;
      const first = exact === undefined ? shown : [exact];
      const seen = new Set(first.map((r) => r.threadId));
      let frame: number | undefined;
      let found: readonly ThreadRow[] = [];
      const onProgress = (threads: readonly ThreadRow[]) => {
        found = threads;
        frame ??= requestAnimationFrame(() => {
          frame = undefined;
          if (!controller.signal.aborted) setRows([...first, ...found]);
        });
      };
      const page = await scanThreads(api, {
        filter: parsed,
        prefix,
        before,
        seen,
        pageSize,
        maxScan,
        onProgress,
        signal: controller.signal,
      });
      if (frame !== undefined) cancelAnimationFrame(frame);
      if (controller.signal.aborted) return;
      setRows([...first, ...page.threads]);
      setNext(page.next);
      const ask = [...first, ...page.threads].map((r) => r.threadId).filter((id) => !shown.some((r) => r.threadId === id));
      void fetchThreadCounts(api, ask, {
        signal: controller.signal,
        onThread: (id, thread) =>
          setCounts((m) => new Map(m).set(id, typeof thread === "string" ? `? ${thread}` : String(thread.checkpointCount))),
      });
      setScanned((n) => n + page.scanned);
      setLoadMs((ms) => ms ?? performance.now() - started);
    } catch (e) {
      if (!isAbort(e)) setError(handleError(e));
    } finally {
      if (scan.current === controller) setLoading(false);
    }
  };
  useEffect(() => {
    void load(undefined, []);
  }, [filter, prefix]);

  return (
    <section data-testid="threads-page" data-loaded={loadMs === undefined ? "no" : "yes"}>
      <h1>Threads</h1>
      <form
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          location.hash = href({ page: "threads", filter: filterText.trim(), prefix: prefixText.trim() });
        }}
      >
        <label>
          thread id starts with
          <input name="prefix" value={prefixText} onInput={(e) => setPrefixText(e.currentTarget.value)} placeholder="thread-" />
        </label>
        <label>
          metadata contains (JSON)
          <input name="filter" value={filterText} onInput={(e) => setFilterText(e.currentTarget.value)} placeholder='{"source": "input"}' />
        </label>
        <button type="submit">Search</button>
      </form>
      {error !== undefined && <p class="error">{error}</p>}
      <table class="threads">
        <thead>
          <tr>
            <th>thread</th>
            <th>latest checkpoint</th>
            <th>step</th>
            <th>metadata</th>
            <th title="GetThread's checkpoint count">checkpoints</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.threadId} data-testid="thread-row" data-thread={row.threadId}>
              <td>
                <a href={href({ page: "thread", thread: row.threadId })}>{row.threadId}</a>
              </td>
              <td class="mono">{row.latest.checkpoint?.ts ?? ""}</td>
              <td>{String(row.latest.metadata?.step ?? "")}</td>
              <td class="mono small">{showJson(row.latest.metadata ?? {}, 0)}</td>
              <td data-testid="thread-checkpoints">{counts.get(row.threadId) ?? "…"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">
        {rows.length} threads from {scanned} checkpoints{loadMs === undefined ? "" : ` · first page in ${Math.round(loadMs)} ms`}
      </p>
      {loading ? (
        <p>loading…</p>
      ) : (
        next !== undefined && (
          <button type="button" data-testid="more-threads" onClick={() => void load(next, rows)}>
            More threads
          </button>
        )
      )}
    </section>
  );
}
