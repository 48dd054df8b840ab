/** A labelled `<select>` of team roles. */
import { useId } from "react";
import type { TeamRole } from "../api/teams.ts";

export function RoleSelect({
  label,
  value,
  roles,
  onRole,
  disabled = false,
  visibleLabel = true,
}: {
  readonly label: string;
  readonly value: TeamRole;
  readonly roles: readonly TeamRole[];
  readonly onRole: (role: TeamRole) => void;
  readonly disabled?: boolean;
  /** False in table rows, where the column says what it is; the label is still read out. */
  readonly visibleLabel?: boolean;
}) {
  const id = useId();
  return (
    <div className={visibleLabel ? "field" : "role-cell"}>
      <label htmlFor={id} className={visibleLabel ? undefined : "visually-hidden"}>
        {label}
      </label>
      <select
        id={id}
        value={value}
        disabled={disabled}
        onChange={(event) => {
          const role = roles.find((r) => r === event.target.value);
          if (role !== undefined) onRole(role);
        }}
      >
        {roles.map((role) => (
          <option key={role} value={role}>
            {role}
          </option>
        ))}
      </select>
    </div>
  );
}
