import { useEffect } from "react";
import { messageOf } from "../api/client.ts";
import { listProjects } from "../api/endpoints.ts";
import type { ProjectSummary } from "../api/types.ts";
import { ErrorNote } from "../components/form.tsx";
import { absoluteTime, isoTime, plural, relativeTime } from "../format.ts";
import { Link } from "../router.tsx";
import { useLoad } from "../use-load.ts";
import { RecentRuns } from "../workspace/recent-runs.tsx";

/** The signed-in user's projects, by entity, most recently active first. */
export function HomePage() {
  const { state } = useLoad(listProjects);

  useEffect(() => {
    document.title = "Projects · Ballast";
  }, []);

  return (
    <section aria-labelledby="projects-title">
      <h1 id="projects-title">Projects</h1>
      {state.kind === "loading" ? <p className="muted">Loading projects…</p> : null}
      {state.kind === "failed" ? <ErrorNote message={messageOf(state.error)} /> : null}
      {state.kind === "ready" ? <ProjectList projects={state.value.projects} /> : null}
      {state.kind === "ready" && state.value.projects.length > 0 ? <RecentRuns /> : null}
    </section>
  );
}

function ProjectList({ projects }: { readonly projects: readonly ProjectSummary[] }) {
  if (projects.length === 0) {
    return (
      <div className="card empty">
        <p>No projects yet. Log a run from Python and it appears here:</p>
        <pre>
          <code>{`wandb login --host ${window.location.origin}\npython -c "import wandb; run = wandb.init(project='my-project'); run.log({'loss': 1.0}); run.finish()"`}</code>
        </pre>
      </div>
    );
  }
  const byEntity = new Map<string, ProjectSummary[]>();
  for (const project of projects) {
    const list = byEntity.get(project.entity) ?? [];
    list.push(project);
    byEntity.set(project.entity, list);
  }
  return (
    <div className="entities">
      {[...byEntity].map(([entity, list]) => (
        <section key={entity} className="card" aria-label={`Entity ${entity}`}>
          <h2>{entity}</h2>
          <ul className="project-list">
            {list.map((project) => (
              <li key={project.name} data-testid="project">
                <Link
                  className="project-name"
                  to={`/${encodeURIComponent(project.entity)}/${encodeURIComponent(project.name)}`}
                >
                  {project.name}
                </Link>
                <span className="muted">{plural(project.runCount, "run")}</span>
                <time
                  className="muted"
                  dateTime={isoTime(project.updatedAt)}
                  title={absoluteTime(project.updatedAt)}
                >
                  updated {relativeTime(project.updatedAt)}
                </time>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
