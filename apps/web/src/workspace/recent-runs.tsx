/** The home page's newest runs across the user's projects, linking to each run and its project. */
import { messageOf } from "../api/client.ts";
import { getRecentRuns } from "../api/workspace.ts";
import { ErrorNote } from "../components/form.tsx";
import { absoluteTime, relativeTime } from "../format.ts";
import { Link } from "../router.tsx";
import { useLoad } from "../use-load.ts";
import { runColor } from "./colors.ts";
import { formatDuration } from "./columns.ts";
import "./workspace.css";

const load = () => getRecentRuns(15);

export function RecentRuns() {
  const { state } = useLoad(load);
  if (state.kind === "loading") return <p className="muted">Loading recent runs…</p>;
  if (state.kind === "failed") return <ErrorNote message={messageOf(state.error)} />;
  const { runs } = state.value;
  if (runs.length === 0) return null;
  return (
    <section className="card" aria-labelledby="recent-runs-title">
      <h2 id="recent-runs-title">Recent runs</h2>
      <table className="recent-runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Project</th>
            <th>State</th>
            <th>Created</th>
            <th>Runtime</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const project = `/${encodeURIComponent(run.entity)}/${encodeURIComponent(run.project)}`;
            return (
              <tr key={`${run.entity}/${run.project}/${run.name}`} data-testid="recent-run">
                <td>
                  <span
                    className="run-swatch"
                    style={{ background: runColor(run.name), borderColor: runColor(run.name) }}
                  />{" "}
                  <Link to={`${project}/runs/${encodeURIComponent(run.name)}`}>{run.displayName}</Link>
                </td>
                <td>
                  <Link to={project}>
                    {run.entity}/{run.project}
                  </Link>
                </td>
                <td className={`state state-${run.state}`}>{run.state}</td>
                <td>
                  <time dateTime={run.createdAt} title={absoluteTime(run.createdAt)}>
                    {relativeTime(run.createdAt)}
                  </time>
                </td>
                <td>{formatDuration(run.runtime)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
