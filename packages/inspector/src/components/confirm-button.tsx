import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

export interface ConfirmButtonProps {
  /** What the confirmation asks, e.g. "Delete every checkpoint of this thread?". */
  question: string;
  disabled?: boolean;
  testId: string;
  onConfirm(): Promise<void>;
  children: ComponentChildren;
}

/** A destructive action: a first press asks, a second (on "Yes") does it. */
export function ConfirmButton({ question, disabled, testId, onConfirm, children }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking) {
    return (
      <button type="button" data-testid={testId} disabled={disabled === true} onClick={() => setAsking(true)}>
        {children}
      </button>
    );
  }
  return (
    <span class="confirm" data-testid={`${testId}-confirm`}>
      {question}{" "}
      <button
        type="button"
        class="danger"
        disabled={busy}
        data-testid={`${testId}-yes`}
        onClick={() => {
          setBusy(true);
          onConfirm().finally(() => {
            setBusy(false);
            setAsking(false);
          });
        }}
      >
        Yes
      </button>{" "}
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
