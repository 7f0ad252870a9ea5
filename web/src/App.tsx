import { AdminPage } from "./admin/AdminPage";
import { ChatPage } from "./components/ChatPage";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { Header } from "./components/Header";
import { LoginForm } from "./components/LoginForm";
import { AuthProvider, useAuth } from "./lib/auth";
import { Link, navigate, useLocation } from "./lib/router";
import { ThemeProvider } from "./lib/theme";

function safeNext(next: string | null): string {
  // Only paths of this app: never an absolute URL (no open redirect).
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function Routes() {
  const { path, search } = useLocation();
  const { user } = useAuth();
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);

  if (parts[0] === "login") {
    const next = safeNext(search.get("next"));
    return (
      <main className="page-message" id="main" tabIndex={-1}>
        {user ? (
          <p>
            You are logged in as {user.email}. <Link href={next}>Continue</Link>
          </p>
        ) : (
          <LoginForm onDone={() => navigate(next, { replace: true })} />
        )}
      </main>
    );
  }
  if (parts[0] === "admin") return <AdminPage section={parts[1] ?? "assistants"} />;
  if (parts.length === 0 || parts[0] === "chat") {
    return <ChatPage key={parts[1] ?? "-"} assistantId={parts[1] ?? null} sessionId={parts[2] ?? null} />;
  }
  return (
    <main className="page-message" id="main" tabIndex={-1}>
      <h1>Page not found</h1>
      <p>
        <Link href="/">Go to the chat</Link>
      </p>
    </main>
  );
}

export function App() {
  return (
    <ThemeProvider>
      <AuthProvider>
        <div className="app">
          <Header />
          <ErrorBoundary>
            <Routes />
          </ErrorBoundary>
        </div>
      </AuthProvider>
    </ThemeProvider>
  );
}
