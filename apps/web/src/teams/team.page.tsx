import { useCallback, useEffect, useState } from "react";
import { listProjects } from "../api/endpoints.ts";
import { deleteTeam, getTeam, type TeamDetail } from "../api/teams.ts";
import { ConfirmStep } from "../components/confirm-step.tsx";
import { ErrorNote } from "../components/form.tsx";
import { Loaded } from "../components/loaded.tsx";
import { plural } from "../format.ts";
import { Link, navigate } from "../router.tsx";
import { useAction } from "../use-action.ts";
import { useLoad } from "../use-load.ts";
import { Invitations } from "./invitations.tsx";
import { Members } from "./members.tsx";
import { ServiceAccounts } from "./service-accounts.tsx";
import "./teams.css";

/** One team: its projects, members and service accounts; managing them for the team's admins. */
export function TeamPage({ team }: { readonly team: string }) {
  const load = useCallback(() => getTeam(team), [team]);
  const { state, reload } = useLoad(load);

  useEffect(() => {
    document.title = `${team} · Teams · Ballast`;
  }, [team]);

  return (
    <section aria-labelledby="team-title">
      <p className="muted">
        <Link to="/teams">Teams</Link> /
      </p>
      <h1 id="team-title">{team}</h1>
      <Loaded state={state} what="the team">
        {(detail) => <TeamView detail={detail} reload={reload} />}
      </Loaded>
    </section>
  );
}

function TeamView({ detail, reload }: { readonly detail: TeamDetail; readonly reload: () => void }) {
  return (
    <>
      <p data-testid="team-role">
        {detail.role === null ? (
          <span className="muted">You are not a member; as an instance admin you may manage this team.</span>
        ) : (
          <>
            Your role: <strong>{detail.role}</strong>
          </>
        )}
      </p>
      <TeamProjects team={detail.name} />
      <Members detail={detail} reload={reload} />
      {detail.canManage ? <Invitations team={detail.name} /> : null}
      <ServiceAccounts detail={detail} reload={reload} />
      {detail.canManage ? <DeleteTeam team={detail.name} /> : null}
    </>
  );
}

/** The team's projects, from the project list the home page shows. */
function TeamProjects({ team }: { readonly team: string }) {
  const { state } = useLoad(listProjects);
  if (state.kind !== "ready") return null;
  const projects = state.value.projects.filter((project) => project.entity === team);
  return (
    <section className="card" aria-label="Projects">
      <h2>Projects</h2>
      {projects.length === 0 ? (
        <p className="muted">
          No projects yet. Log runs into the team with{" "}
          <code>{`wandb.init(entity="${team}", project=…)`}</code>.
        </p>
      ) : (
        <ul className="project-list">
          {projects.map((project) => (
            <li key={project.name}>
              <Link
                className="project-name"
                to={`/${encodeURIComponent(team)}/${encodeURIComponent(project.name)}`}
              >
                {project.name}
              </Link>
              <span className="muted">{plural(project.runCount, "run")}</span>
              <span />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function DeleteTeam({ team }: { readonly team: string }) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();

  const remove = () =>
    run(async () => {
      await deleteTeam(team);
      navigate("/teams");
    });

  return (
    <section className="card danger-zone" aria-label="Delete team">
      <h2>Delete team</h2>
      <p className="muted">Only a team without projects that never had service accounts can be deleted.</p>
      {confirming ? (
        <div className="button-row">
          <ConfirmStep
            label={`Delete “${team}”`}
            busyLabel="Deleting…"
            busy={busy}
            onConfirm={() => void remove()}
            onCancel={() => setConfirming(false)}
          />
        </div>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete team
        </button>
      )}
      <ErrorNote message={error} />
    </section>
  );
}
