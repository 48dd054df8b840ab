/** Chooses what to show: first-run setup, sign-in, or the signed-in page for the current path. */
import { type ReactNode, useEffect } from "react";
import { messageOf } from "./api/client.ts";
import { ArtifactsPage, CollectionPage } from "./artifacts/artifacts.page.tsx";
import { VersionPage } from "./artifacts/version.page.tsx";
import { AppShell } from "./components/app-shell.tsx";
import { matchPath } from "./match-path.ts";
import { ApiKeysPage } from "./pages/api-keys.page.tsx";
import { AuditLogPage } from "./pages/audit-log.page.tsx";
import { ConsolePage } from "./pages/console.page.tsx";
import { HomePage } from "./pages/home.page.tsx";
import { InvitePage } from "./pages/invite.page.tsx";
import { ProjectPage } from "./pages/project.page.tsx";
import { ResetPasswordPage } from "./pages/reset-password.page.tsx";
import { RunPage } from "./pages/run.page.tsx";
import { SetupPage } from "./pages/setup.page.tsx";
import { SignInPage } from "./pages/sign-in.page.tsx";
import { SystemAdminPage } from "./pages/system-admin.page.tsx";
import { UsersPage } from "./pages/users.page.tsx";
import { Link, usePath } from "./router.tsx";
import { SessionProvider, useSession } from "./session.tsx";
import { TeamPage } from "./teams/team.page.tsx";
import { TeamsPage } from "./teams/teams.page.tsx";

export function App() {
  return (
    <SessionProvider>
      <Screen />
    </SessionProvider>
  );
}

function Screen() {
  const { status, refresh } = useSession();
  const path = usePath();

  // The console has its own sign-in (an admin session, or the console password).
  if (path === "/console" || path.startsWith("/console/")) return <ConsolePage />;

  if (status.kind === "loading") return <p className="splash">Loading…</p>;
  if (status.kind === "failed") {
    return (
      <main className="auth-page">
        <div className="card auth-card">
          <h1>Ballast is not answering</h1>
          <p className="error" role="alert">
            {messageOf(status.error)}
          </p>
          <button type="button" className="primary" onClick={() => void refresh()}>
            Retry
          </button>
        </div>
      </main>
    );
  }
  const { session } = status;
  // Emailed links work whether or not anyone is signed in.
  const invite = matchPath("/invite/:token", path);
  if (invite !== null) return <InvitePage token={invite.token ?? ""} user={session.user} />;
  const reset = matchPath("/reset-password/:token", path);
  if (reset !== null) return <ResetPasswordPage token={reset.token ?? ""} />;
  if (session.user === null) return session.setupRequired ? <SetupPage /> : <SignInPage />;
  return <AppShell user={session.user}>{pageFor(path)}</AppShell>;
}

/** The signed-in pages, first match wins: fixed paths before the `/:entity/...` patterns. */
const ROUTES: readonly {
  readonly pattern: string;
  readonly page: (p: Record<string, string>) => ReactNode;
}[] = [
  { pattern: "/", page: () => <HomePage /> },
  { pattern: "/settings/api-keys", page: () => <ApiKeysPage /> },
  { pattern: "/system-admin", page: () => <SystemAdminPage /> },
  { pattern: "/system-admin/users", page: () => <UsersPage /> },
  { pattern: "/teams", page: () => <TeamsPage /> },
  { pattern: "/teams/:team", page: (p) => <TeamPage key={p.team} team={p.team ?? ""} /> },
  { pattern: "/system-admin/audit", page: () => <AuditLogPage /> },
  {
    pattern: "/:entity/:project",
    page: (p) => <ProjectPage entity={p.entity ?? ""} project={p.project ?? ""} />,
  },
  {
    pattern: "/:entity/:project/artifacts",
    page: (p) => <ArtifactsPage entity={p.entity ?? ""} project={p.project ?? ""} />,
  },
  {
    pattern: "/:entity/:project/artifacts/:type/:collection",
    page: (p) => (
      <CollectionPage
        entity={p.entity ?? ""}
        project={p.project ?? ""}
        type={p.type ?? ""}
        collection={p.collection ?? ""}
      />
    ),
  },
  {
    pattern: "/:entity/:project/artifacts/:type/:collection/:version",
    page: (p) => (
      <VersionPage
        entity={p.entity ?? ""}
        project={p.project ?? ""}
        type={p.type ?? ""}
        collection={p.collection ?? ""}
        version={p.version ?? ""}
      />
    ),
  },
  {
    pattern: "/:entity/:project/runs/:run",
    page: (p) => (
      <RunPage
        key={`${p.entity}/${p.project}/${p.run}`}
        entity={p.entity ?? ""}
        project={p.project ?? ""}
        run={p.run ?? ""}
      />
    ),
  },
];

function pageFor(path: string) {
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (params !== null) return route.page(params);
  }
  return <NotFoundPage />;
}

function NotFoundPage() {
  useEffect(() => {
    document.title = "Not found · Ballast";
  }, []);
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Back to projects</Link>
      </p>
    </section>
  );
}
