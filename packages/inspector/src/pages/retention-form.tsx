import type { Thread } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { useState } from "preact/hooks";
import { useApp } from "../app-context.js";
import { ConfirmButton } from "../components/confirm-button.js";
import { fieldsFromPolicy, policyFromFields, type RetentionFields } from "../format/retention-fields.js";

export interface RetentionFormProps {
  thread: string;
  /** The thread's own policy, to start from (undefined: none). */
  own: Thread["threadPolicy"];
  /** SetRetention's answer: the thread with the new policy in force. */
  onSet(thread: Thread | undefined): void;
}

/**
 * SetRetention (the admin role): the thread's own policy, each empty field left to the server's
 * default; or none at all. Behind a confirmation (a short TTL deletes the thread on the sweeper's
 * next pass); disabled once the server said PERMISSION_DENIED, as the other actions are.
 */
export function RetentionForm({ thread, own, onSet }: RetentionFormProps) {
  const { api, handleError, readOnly } = useApp();
  const [fields, setFields] = useState<RetentionFields>(() => fieldsFromPolicy(own));
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>(undefined);
  const parsed = policyFromFields(fields);
  const field = <K extends keyof RetentionFields>(key: K, value: RetentionFields[K]) => setFields((f) => ({ ...f, [key]: value }));
  /** `policy` undefined: none (the defaults); an Error is shown, not sent. */
  const send = (what: string, policy: ReturnType<typeof policyFromFields> | undefined) => async () => {
    setMessage(undefined);
    if (policy instanceof Error) return setMessage({ text: `${what}: ${policy.message}`, error: true });
    try {
      const { thread: after } = await api.setRetention({ threadId: thread, ...(policy === undefined ? {} : { policy }) });
      setFields(fieldsFromPolicy(after?.threadPolicy));
      setMessage({ text: `${what}: done`, error: false });
      onSet(after);
    } catch (e) {
      setMessage({ text: `${what}: ${handleError(e)}`, error: true });
    }
  };
  const text = (key: "maxVersions" | "maxAge" | "ttl", name: string, label: string, placeholder: string) => (
    <label>
      {label}
      <input
        name={name}
        value={fields[key]}
        placeholder={placeholder}
        disabled={readOnly}
        onInput={(e) => field(key, e.currentTarget.value)}
      />
    </label>
  );
  return (
    <details class="retention" data-testid="retention-form">
      <summary>Set retention</summary>
      <p class="muted small">
        Empty: the server's default. 0: no limit (all versions, any age, never expires). Durations like 30s, 12h, 7d, 1h30m. The sweeper
        applies the policy on its next pass.
      </p>
      <div class="fields">
        {text("maxVersions", "max-versions", "max versions per namespace", "default")}
        {text("maxAge", "max-age", "max age", "default, e.g. 7d")}
        {text("ttl", "ttl", "TTL (no write for)", "default, e.g. 30d")}
        <label>
          on expiry
          <select
            name="ttl-strategy"
            value={fields.strategy}
            disabled={readOnly}
            onChange={(e) => field("strategy", e.currentTarget.value as RetentionFields["strategy"])}
          >
            <option value="">server's default</option>
            <option value="delete">delete the thread</option>
            <option value="keep_latest">keep the latest checkpoints</option>
          </select>
        </label>
        <label class="check">
          <input
            type="checkbox"
            name="pinned"
            checked={fields.pinned}
            disabled={readOnly}
            onChange={(e) => field("pinned", e.currentTarget.checked)}
          />{" "}
          pinned (never trimmed or expired)
        </label>
      </div>
      <div class="actions">
        <ConfirmButton
          testId="set-retention"
          disabled={readOnly || parsed instanceof Error}
          question="Replace this thread's retention policy? What it no longer keeps is deleted on the sweeper's next pass."
          onConfirm={send("set retention", parsed)}
        >
          Set retention
        </ConfirmButton>
        <ConfirmButton
          testId="clear-retention"
          disabled={readOnly || own === undefined}
          question="Remove this thread's own policy, so that the server's defaults apply?"
          onConfirm={send("clear retention", undefined)}
        >
          Use the server's defaults
        </ConfirmButton>
        {parsed instanceof Error ? (
          <span class="error" data-testid="retention-message">
            {parsed.message}
          </span>
        ) : (
          message !== undefined && (
            <span class={message.error ? "message error" : "message"} data-testid="retention-message">
              {message.text}
            </span>
          )
        )}
      </div>
    </details>
  );
}
