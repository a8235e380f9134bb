import { useState } from "preact/hooks";
import { useApp } from "../app-context.js";
import { showJson } from "../decode/decode-value.js";
import type { ThreadEvents } from "./use-thread-events.js";

/** The answer as LangGraph's JSON serializer would write it (type "json"): text as a JSON string. */
export function encodeAnswer(mode: "text" | "json", text: string): Uint8Array {
  const value: unknown = mode === "text" ? text : JSON.parse(text);
  return new TextEncoder().encode(JSON.stringify(value));
}

/** The pending interrupt: its value, a form that sends Resume, and which worker claimed the answer. */
export function InterruptPanel({ thread, events }: { thread: string; events: ThreadEvents }) {
  const { api, handleError, readOnly } = useApp();
  const [mode, setMode] = useState<"text" | "json">("text");
  const [answer, setAnswer] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const { interrupt, resumes } = events;
  if (interrupt === undefined && resumes.length === 0) return null;

  const send = async () => {
    if (interrupt === undefined) return;
    setError(undefined);
    let data: Uint8Array;
    try {
      data = encodeAnswer(mode, answer);
    } catch (e) {
      return setError(`not JSON: ${(e as Error).message}`);
    }
    const ids = interrupt.interrupts.map((i) => i.id ?? interrupt.taskId);
    setSending(true);
    try {
      await api.resume({
        threadId: thread,
        checkpointNs: interrupt.checkpointNs,
        values: Object.fromEntries(ids.map((id) => [id, { type: "json", data }])),
        idempotencyKey: `inspector:${thread}:${interrupt.eventId}`,
      });
    } catch (e) {
      setError(handleError(e));
    } finally {
      setSending(false);
    }
  };

  return (
    <section class="interrupt" data-testid="interrupt">
      <h2>{interrupt === undefined ? "Resume" : "Waiting for an answer"}</h2>
      {interrupt !== undefined && (
        <>
          <p class="muted">
            task {interrupt.taskId} · checkpoint {interrupt.checkpointId}
            {interrupt.checkpointNs === "" ? "" : ` · ns ${interrupt.checkpointNs}`}
          </p>
          {interrupt.interrupts.map((i, n) => (
            <pre key={i.id ?? n} class="json" data-testid="interrupt-value">
              {showJson(i.value)}
            </pre>
          ))}
        </>
      )}
      {interrupt !== undefined && resumes.length === 0 && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <textarea name="answer" rows={3} value={answer} onInput={(e) => setAnswer(e.currentTarget.value)} placeholder="your answer" />
          <label>
            <input type="radio" name="mode" checked={mode === "text"} onChange={() => setMode("text")} /> text
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === "json"} onChange={() => setMode("json")} /> JSON
          </label>
          <button type="submit" data-testid="send-resume" disabled={sending || readOnly}>
            Send resume
          </button>
        </form>
      )}
      {error !== undefined && <p class="error">{error}</p>}
      {resumes.map((r) => (
        <p key={r.resumeId} data-testid="resume-status" data-claimed={r.claimedBy === undefined ? "no" : "yes"}>
          resume {r.resumeId}: {r.claimedBy === undefined ? "sent, waiting for a worker to claim it" : `claimed by ${r.claimedBy}`}
        </p>
      ))}
    </section>
  );
}
