/** A two-column table of labelled values (the overviews of /system-admin and /console). */
export function KeyValueTable({
  label,
  rows,
}: {
  readonly label: string;
  readonly rows: readonly (readonly [string, string])[];
}) {
  return (
    <table className="keys" aria-label={label}>
      <tbody>
        {rows.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
