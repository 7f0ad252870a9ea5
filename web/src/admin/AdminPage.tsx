import { LoginForm } from "../components/LoginForm";
import { useAuth } from "../lib/auth";
import { Link } from "../lib/router";
import { ApiKeysAdmin } from "./ApiKeysAdmin";
import { AssistantsAdmin } from "./AssistantsAdmin";
import { EvaluationAdmin } from "./evaluation/EvaluationAdmin";
import { FeedbackAdmin } from "./FeedbackAdmin";
import { JobsAdmin } from "./JobsAdmin";
import { KnowledgeAdmin } from "./KnowledgeAdmin";
import { UsersAdmin } from "./UsersAdmin";

const SECTIONS = [
  ["assistants", "Assistants"],
  ["knowledge", "Knowledge"],
  ["users", "Users"],
  ["feedback", "Feedback"],
  ["evaluation", "Evaluation"],
  ["jobs", "Jobs"],
  ["keys", "API keys"],
] as const;

export function AdminPage({ section }: { section: string }) {
  const { user, checking } = useAuth();
  if (checking) return <main className="page-message" id="main" tabIndex={-1}><p className="muted">Loading…</p></main>;
  if (!user) {
    return (
      <main className="page-message" id="main" tabIndex={-1}>
        <LoginForm title="Log in to administer Askwell" reason="The admin pages are for administrators." />
      </main>
    );
  }
  if (user.role !== "admin") {
    return (
      <main className="page-message" id="main" tabIndex={-1}>
        <h1>Administrators only</h1>
        <p>
          Your account ({user.email}) is a member account. <Link href="/">Back to the chat</Link>
        </p>
      </main>
    );
  }
  const current = SECTIONS.some(([key]) => key === section) ? section : "assistants";
  return (
    <div className="admin-layout">
      <nav className="admin-nav" aria-label="Administration">
        <ul>
          {SECTIONS.map(([key, label]) => (
            <li key={key}>
              <Link href={`/admin/${key}`} aria-current={current === key ? "page" : undefined}>
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main className="admin-main" id="main" tabIndex={-1}>
        {current === "assistants" && <AssistantsAdmin />}
        {current === "knowledge" && <KnowledgeAdmin />}
        {current === "users" && <UsersAdmin currentUserId={user.id} />}
        {current === "feedback" && <FeedbackAdmin />}
        {current === "evaluation" && <EvaluationAdmin />}
        {current === "jobs" && <JobsAdmin />}
        {current === "keys" && <ApiKeysAdmin />}
      </main>
    </div>
  );
}
