import { PruneStrategy } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { useState } from "preact/hooks";
import { useApp } from "../app-context.js";
import { ConfirmButton } from "../components/confirm-button.js";
import { href } from "../route/use-route.js";

/** Copy (fork), prune and delete, each behind a confirmation; disabled once the server said PERMISSION_DENIED. */
export function ThreadActions({ thread, onChanged }: { thread: string; onChanged(): void }) {
  const { api, handleError, readOnly } = useApp();
  const [target, setTarget] = useState(`${thread}-copy`);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const run = (what: string, action: () => Promise<unknown>, after?: () => void) => async () => {
    setMessage(undefined);
    try {
      await action();
      setMessage(`${what}: done`);
      after?.();
    } catch (e) {
      setMessage(`${what}: ${handleError(e)}`);
    }
  };
  return (
    <div class="actions" data-testid="thread-actions">
      <input name="copy-target" value={target} onInput={(e) => setTarget(e.currentTarget.value)} aria-label="copy to thread id" />
      <ConfirmButton
        testId="copy"
        disabled={readOnly || target.trim() === "" || target === thread}
        question={`Copy every checkpoint into "${target}"?`}
        onConfirm={run(
          "copy",
          () => api.copyThread({ sourceThreadId: thread, targetThreadId: target.trim() }),
          () => {
            location.hash = href({ page: "thread", thread: target.trim() });
          },
        )}
      >
        Copy (fork)
      </ConfirmButton>
      <ConfirmButton
        testId="prune"
        disabled={readOnly}
        question="Keep only the latest checkpoint of each namespace?"
        onConfirm={run("prune", () => api.prune({ threadIds: [thread], strategy: PruneStrategy.KEEP_LATEST }), onChanged)}
      >
        Prune
      </ConfirmButton>
      <ConfirmButton
        testId="delete"
        disabled={readOnly}
        question="Delete every checkpoint, value and write of this thread?"
        onConfirm={run(
          "delete",
          () => api.deleteThread({ threadId: thread }),
          () => {
            location.hash = href({ page: "threads", filter: "", prefix: "" });
          },
        )}
      >
        Delete
      </ConfirmButton>
      {message !== undefined && (
        <span class="message" data-testid="action-message">
          {message}
        </span>
      )}
    </div>
  );
}
