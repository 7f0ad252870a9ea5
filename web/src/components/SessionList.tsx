import { useState, type FormEvent } from "react";
import type { SessionItem } from "../chat/useSessions";
import { Link } from "../lib/router";
import { IconEdit, IconPlus, IconTrash } from "./Icons";


interface Props {
  assistantId: string;
  sessions: SessionItem[];
  currentId: string | null;
  onNew: () => void;
  onRename: (id: string, title: string) => void;
  onDelete: (id: string) => Promise<void>;
  onNavigate?: () => void;
}

function SessionRow({
  session,
  href,
  current,
  onRename,
  onDelete,
  onNavigate,
}: {
  session: SessionItem;
  href: string;
  current: boolean;
  onRename: (title: string) => void;
  onDelete: () => Promise<void>;
  onNavigate?: () => void;
}) {
  const [mode, setMode] = useState<"view" | "rename" | "confirm">("view");
  const [title, setTitle] = useState(session.title);
  const [busy, setBusy] = useState(false);

  if (mode === "rename") {
    const save = (event: FormEvent) => {
      event.preventDefault();
      onRename(title.trim());
      setMode("view");
    };
    return (
      <li className="session editing">
        <form onSubmit={save} className="rename-form">
          <label className="visually-hidden" htmlFor={`rename-${session.id}`}>
            New name for “{session.title}”
          </label>
          <input
            id={`rename-${session.id}`}
            value={title}
            autoFocus
            maxLength={120}
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => e.key === "Escape" && setMode("view")}
          />
          <button type="submit" className="button small primary">
            Save
          </button>
          <button type="button" className="button small" onClick={() => setMode("view")}>
            Cancel
          </button>
        </form>
      </li>
    );
  }
  if (mode === "confirm") {
    return (
      <li className="session confirming">
        <span className="session-title">Delete “{session.title}”?</span>
        <div className="row-actions">
          <button
            type="button"
            className="button small danger"
            disabled={busy}
            autoFocus
            onClick={() => {
              setBusy(true);
              onDelete().finally(() => setBusy(false));
            }}
          >
            Delete
          </button>
          <button type="button" className="button small" onClick={() => setMode("view")}>
            Keep
          </button>
        </div>
      </li>
    );
  }
  return (
    <li className={`session${current ? " current" : ""}`}>
      <Link href={href} className="session-link" aria-current={current ? "page" : undefined} onClick={onNavigate}>
        {session.title}
      </Link>
      <div className="row-actions">
        <button
          type="button"
          className="icon-button small"
          onClick={() => {
            setTitle(session.title);
            setMode("rename");
          }}
        >
          <IconEdit size={14} />
          <span className="visually-hidden">Rename “{session.title}”</span>
        </button>
        <button type="button" className="icon-button small" onClick={() => setMode("confirm")}>
          <IconTrash size={14} />
          <span className="visually-hidden">Delete “{session.title}”</span>
        </button>
      </div>
    </li>
  );
}

export function SessionList({ assistantId, sessions, currentId, onNew, onRename, onDelete, onNavigate }: Props) {
  return (
    <nav className="sessions" aria-label="Conversations">
      <button type="button" className="button primary wide" onClick={onNew}>
        <IconPlus size={16} /> New chat
      </button>
      {sessions.length === 0 ? (
        <p className="muted small">No conversations yet.</p>
      ) : (
        <ul className="session-list">
          {sessions.map((s) => (
            <SessionRow
              key={s.id}
              session={s}
              href={`/chat/${assistantId}/${s.id}`}
              current={s.id === currentId}
              onRename={(title) => onRename(s.id, title)}
              onDelete={() => onDelete(s.id)}
              onNavigate={onNavigate}
            />
          ))}
        </ul>
      )}
    </nav>
  );
}
