import { useEffect, useState } from "react";
import { createTeam, listTeams, type TeamSummary } from "../api/teams.ts";
import { ErrorNote, Field, SubmitButton } from "../components/form.tsx";
import { Loaded } from "../components/loaded.tsx";
import { Link, navigate } from "../router.tsx";
import { useSession } from "../session.tsx";
import { useAction } from "../use-action.ts";
import { useLoad } from "../use-load.ts";
import "./teams.css";

export const teamPath = (name: string) => `/teams/${encodeURIComponent(name)}`;

/** The caller's teams (every team for instance admins), and for instance admins a way to make one. */
export function TeamsPage() {
  const { state } = useLoad(listTeams);
  const { status } = useSession();
  const isAdmin = status.kind === "ready" && status.session.user?.isAdmin === true;

  useEffect(() => {
    document.title = "Teams · Ballast";
  }, []);

  return (
    <section aria-labelledby="teams-title">
      <h1 id="teams-title">Teams</h1>
      <p className="muted">
        A team owns projects its members share. Admins manage members and service accounts; members log and
        change runs; viewers read.
      </p>
      {isAdmin ? <CreateTeamForm /> : null}
      <Loaded state={state} what="teams">
        {({ teams }) => <TeamList teams={teams} isAdmin={isAdmin} />}
      </Loaded>
    </section>
  );
}

function TeamList({ teams, isAdmin }: { readonly teams: readonly TeamSummary[]; readonly isAdmin: boolean }) {
  if (teams.length === 0) {
    return (
      <p className="muted">
        {isAdmin
          ? "No teams yet."
          : "You are in no team yet: a team admin can add you, or invite you by email."}
      </p>
    );
  }
  return (
    <table className="keys" aria-label="Teams">
      <thead>
        <tr>
          <th scope="col">Team</th>
          <th scope="col">Your role</th>
        </tr>
      </thead>
      <tbody>
        {teams.map((team) => (
          <tr key={team.name} data-testid="team-row">
            <td>
              <Link to={teamPath(team.name)} className="project-name">
                {team.name}
              </Link>
            </td>
            <td>{team.role ?? <span className="muted">not a member (instance admin)</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CreateTeamForm() {
  const [name, setName] = useState("");
  const [admin, setAdmin] = useState("");
  const { busy, error, submit } = useAction();

  const create = submit(async () => {
    const first = admin.trim();
    const created = await createTeam(name.trim(), first === "" ? null : first);
    navigate(teamPath(created.name));
  });

  return (
    <form className="card inline-form" onSubmit={create} aria-label="Create team">
      <Field
        label="Team name"
        value={name}
        onValue={setName}
        name="name"
        placeholder="e.g. vision"
        autoComplete="off"
        required
      />
      <Field
        label="First admin (optional)"
        value={admin}
        onValue={setAdmin}
        name="admin"
        placeholder="a username; you by default"
        autoComplete="off"
      />
      <SubmitButton busy={busy} busyLabel="Creating…" label="Create team" />
      <ErrorNote message={error} />
    </form>
  );
}
