/** A secret shown once (a new API key, an invitation link) with a button that copies it. */
import { useRef, useState } from "react";

export function CopyableSecret({
  text,
  what,
  copyLabel,
  testId,
}: {
  readonly text: string;
  /** "key" or "link", for the hint when only selecting it worked. */
  readonly what: string;
  readonly copyLabel: string;
  readonly testId: string;
}) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const ref = useRef<HTMLElement>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("yes");
    } catch {
      // No clipboard access (an insecure origin, a denied permission): select it for Ctrl+C.
      const element = ref.current;
      const selection = window.getSelection();
      if (element !== null && selection !== null) selection.selectAllChildren(element);
      setCopied("failed");
    }
  };

  return (
    <>
      <div className="key-row">
        <code ref={ref} className="secret" data-testid={testId}>
          {text}
        </code>
        <button type="button" onClick={() => void copy()}>
          {copied === "yes" ? "Copied" : copyLabel}
        </button>
      </div>
      {copied === "failed" ? (
        <p className="hint">{`The ${what} is selected: press Ctrl+C (⌘C) to copy it.`}</p>
      ) : null}
    </>
  );
}
