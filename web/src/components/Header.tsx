import { useAuth } from "../lib/auth";
import { Link, navigate, useLocation } from "../lib/router";
import { useTheme } from "../lib/theme";
import { IconMoon, IconSun } from "./Icons";

export function Header() {
  const { user, logout } = useAuth();
  const { theme, setTheme } = useTheme();
  const { path } = useLocation();
  const inAdmin = path.startsWith("/admin");
  const inChat = path === "/" || path.startsWith("/chat");
  return (
    <header className="app-header">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Link href="/" className="brand">
        <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
          <rect width="32" height="32" rx="8" fill="var(--primary)" />
          <path d="M9 22V12a3 3 0 0 1 3-3h8a3 3 0 0 1 3 3v6a3 3 0 0 1-3 3h-6l-5 3z" fill="var(--on-primary)" />
        </svg>
        <span>Askwell</span>
      </Link>
      <nav aria-label="Main" className="main-nav">
        <Link href="/" aria-current={inChat ? "page" : undefined}>
          Chat
        </Link>
        {user?.role === "admin" && (
          <Link href="/admin/assistants" aria-current={inAdmin ? "page" : undefined}>
            Admin
          </Link>
        )}
      </nav>
      <div className="header-actions">
        <button
          type="button"
          className="icon-button"
          aria-pressed={theme === "dark"}
          onClick={() => setTheme(theme === "dark" ? "light" : "dark")}
        >
          {theme === "dark" ? <IconSun /> : <IconMoon />}
          <span className="visually-hidden">Dark theme</span>
        </button>
        {user ? (
          <>
            <span className="user-name" title={user.email}>
              {user.name || user.email}
              {user.role === "admin" && <span className="badge">admin</span>}
            </span>
            <button
              type="button"
              className="button small"
              onClick={() => {
                logout();
                if (inAdmin) navigate("/");
              }}
            >
              Log out
            </button>
          </>
        ) : (
          <Link className="button small primary" href={`/login?next=${encodeURIComponent(path)}`}>
            Log in
          </Link>
        )}
      </div>
    </header>
  );
}
