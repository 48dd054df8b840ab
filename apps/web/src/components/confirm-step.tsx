/**
 * The second step of a destructive action, shown once its first button was pressed: the action,
 * named in full (`Revoke “laptop”`), and Cancel. Both are disabled while the action runs.
 */
export function ConfirmStep({
  label,
  busyLabel,
  busy,
  onConfirm,
  onCancel,
}: {
  readonly label: string;
  readonly busyLabel: string;
  readonly busy: boolean;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}) {
  return (
    <>
      <button type="button" className="danger" disabled={busy} onClick={onConfirm}>
        {busy ? busyLabel : label}
      </button>
      <button type="button" disabled={busy} onClick={onCancel}>
        Cancel
      </button>
    </>
  );
}
