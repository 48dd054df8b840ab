/** The frame of every signed-in page: a header with navigation and the user menu. */
import { type ReactNode, useEffect, useRef, useState } from "react";
import { messageOf } from "../api/client.ts";
import type { SessionUser } from "../api/types.ts";
import { Link, usePath } from "../router.tsx";
import { useSession } from "../session.tsx";

const NAV: readonly { to: string; label: string }[] = [
  { to: "/", label: "Projects" },
  { to: "/teams", label: "Teams" },
  { to: "/settings/api-keys", label: "API keys" },
];

export function AppShell({ user, children }: { readonly user: SessionUser; readonly children: ReactNode }) {
  const path = usePath();
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          Ballast
        </Link>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <Link key={item.to} to={item.to} aria-current={item.to === path ? "page" : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <UserMenu user={user} />
      </header>
      <main className="content">{children}</main>
    </div>
  );
}

function UserMenu({ user }: { readonly user: SessionUser }) {
  const session = useSession();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);

  // Close on a click elsewhere or Escape, as menus do.
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (event.target instanceof Node && !root.current?.contains(event.target)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  const signOut = async () => {
    setError(null);
    try {
      await session.signOut();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

  return (
    <div className="user-menu" ref={root}>
      <button
        type="button"
        className="user-button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((value) => !value)}
      >
        <span className="avatar" aria-hidden="true">
          {user.username.slice(0, 1).toUpperCase()}
        </span>
        {user.username}
      </button>
      {open ? (
        <div className="menu" role="menu">
          <div className="menu-identity">
            <strong>{user.username}</strong>
            <span>{user.email}</span>
            {user.isAdmin ? <span className="badge">admin</span> : null}
          </div>
          <Link to="/settings/api-keys" className="menu-item" role="menuitem" onClick={() => setOpen(false)}>
            API keys
          </Link>
          {user.isAdmin ? (
            <Link to="/system-admin" className="menu-item" role="menuitem" onClick={() => setOpen(false)}>
              System admin
            </Link>
          ) : null}
          <button type="button" className="menu-item" role="menuitem" onClick={() => void signOut()}>
            Sign out
          </button>
          {error === null ? null : (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </div>
      ) : null}
    </div>
  );
}
