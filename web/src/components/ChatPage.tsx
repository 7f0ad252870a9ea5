import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useAssistants } from "../chat/useAssistants";
import { useChat } from "../chat/useChat";
import { useSessions } from "../chat/useSessions";
import { useAuth } from "../lib/auth";
import { newSessionId, SESSION_ID } from "../lib/ids";
import { Link, navigate } from "../lib/router";
import { getPref, setPref } from "../lib/storage";
import { Composer } from "./Composer";
import { ConversationExport } from "./ConversationExport";
import { IconMenu, IconTrash } from "./Icons";
import { LANGUAGES } from "./languages";
import { LoginForm } from "./LoginForm";
import { MessageView } from "./MessageView";
import { SessionList } from "./SessionList";
import { SourcesPanel } from "./SourcesPanel";

interface Props {
  assistantId: string | null;
  sessionId: string | null;
}

export function ChatPage({ assistantId, sessionId }: Props) {
  const { user, checking } = useAuth();
  const { assistants, listError, resolution } = useAssistants(assistantId, user, checking);
  const [language, setLanguage] = useState(() => getPref("language") ?? "");
  const [panel, setPanel] = useState<{ key: string; active: number | null } | null>(null);
  const [drawer, setDrawer] = useState(false);
  const [confirmReset, setConfirmReset] = useState(false);
  const [needLogin, setNeedLogin] = useState(false);

  useEffect(() => setNeedLogin(false), [user]);

  // No assistant in the address: the last one used, or the first.
  useEffect(() => {
    if (assistantId || !assistants || assistants.length === 0) return;
    const last = getPref("assistant");
    const pick = assistants.find((a) => a.id === last) ?? assistants[0];
    navigate(`/chat/${pick.id}`, { replace: true });
  }, [assistantId, assistants]);

  const assistant = resolution.state === "ok" ? resolution.assistant : null;

  // An assistant but no session: start a new one (bound on its first message).
  useEffect(() => {
    if (!assistant) return;
    setPref("assistant", assistant.id);
    if (!sessionId || !SESSION_ID.test(sessionId)) {
      navigate(`/chat/${assistant.id}/${newSessionId()}`, { replace: true });
    }
  }, [assistant, sessionId]);

  const sessions = useSessions(assistant?.id ?? null, user);
  const validSession = assistant && sessionId && SESSION_ID.test(sessionId) ? sessionId : null;

  const chat = useChat({
    assistantId: assistant?.id ?? null,
    sessionId: validSession,
    language: language || null,
    onSessionStarted: sessions.started,
    onAnswered: () => void sessions.refresh(),
    onAuthRequired: () => setNeedLogin(true),
  });

  useEffect(() => {
    setPanel(null);
    setConfirmReset(false);
  }, [sessionId]);

  // Keep the newest text in view while it streams, unless the reader scrolled up.
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [chat.messages]);

  const newChat = () => {
    if (!assistant) return;
    setDrawer(false);
    navigate(`/chat/${assistant.id}/${newSessionId()}`);
  };

  const deleteSession = async (id: string) => {
    await sessions.remove(id);
    if (id === sessionId) newChat();
  };

  const panelMessage = useMemo(
    () => (panel ? chat.messages.find((m) => m.key === panel.key) ?? null : null),
    [panel, chat.messages],
  );

  if (listError) {
    return (
      <main className="page-message" id="main" tabIndex={-1}>
        <h1>Askwell is unreachable</h1>
        <p role="alert">{listError}</p>
      </main>
    );
  }
  if (assistants && assistants.length === 0 && !assistantId) {
    return (
      <main className="page-message" id="main" tabIndex={-1}>
        <h1>No assistant yet</h1>
        {user?.role === "admin" ? (
          <p>
            <Link href="/admin/assistants">Create the first assistant</Link> to start chatting.
          </p>
        ) : user ? (
          <p>An administrator has not created any assistant yet.</p>
        ) : (
          <>
            <p>There is no public assistant. Log in to see yours.</p>
            <LoginForm />
          </>
        )}
      </main>
    );
  }
  if (resolution.state === "login" || (needLogin && !user)) {
    return (
      <main className="page-message" id="main" tabIndex={-1}>
        <LoginForm
          title="Log in to continue"
          reason="This assistant is available to signed-in users only."
          onDone={() => setNeedLogin(false)}
        />
      </main>
    );
  }
  if (resolution.state === "missing") {
    return (
      <main className="page-message" id="main" tabIndex={-1}>
        <h1>Assistant not found</h1>
        <p>
          It may have been deleted. <Link href="/">Choose another assistant</Link>.
        </p>
      </main>
    );
  }
  if (resolution.state === "error") {
    return (
      <main className="page-message" id="main" tabIndex={-1}>
        <h1>The assistant could not be loaded</h1>
        <p role="alert">{resolution.message}</p>
      </main>
    );
  }

  const choices = assistants && assistant && !assistants.some((a) => a.id === assistant.id) ? [...assistants, assistant] : assistants ?? [];
  const lastBot = [...chat.messages].reverse().find((m) => m.role === "bot");

  return (
    <div className={`chat-layout${panelMessage ? " with-panel" : ""}${drawer ? " drawer-open" : ""}`}>
      <aside className="sidebar" aria-label="Assistant and conversations">
        <div className="field">
          <label htmlFor="assistant-picker">Assistant</label>
          <select
            id="assistant-picker"
            value={assistant?.id ?? ""}
            onChange={(e) => {
              setDrawer(false);
              navigate(`/chat/${e.target.value}`);
            }}
          >
            {!assistant && <option value="">Loading…</option>}
            {choices.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        {assistant && (
          <SessionList
            assistantId={assistant.id}
            sessions={sessions.sessions}
            currentId={sessionId}
            onNew={newChat}
            onRename={sessions.rename}
            onDelete={deleteSession}
            onNavigate={() => setDrawer(false)}
          />
        )}
        {!user && <p className="muted small">Conversations are kept in this browser. Log in to keep them in your account.</p>}
      </aside>
      {drawer && <button type="button" className="scrim" aria-label="Close conversations" onClick={() => setDrawer(false)} />}

      <main className="chat-main" id="main" tabIndex={-1}>
        <div className="chat-toolbar">
          <button type="button" className="icon-button drawer-toggle" aria-expanded={drawer} onClick={() => setDrawer(!drawer)}>
            <IconMenu />
            <span className="visually-hidden">Conversations</span>
          </button>
          <div className="assistant-title">
            <h1>{assistant?.name ?? "Loading…"}</h1>
            {assistant?.description && <p className="muted small">{assistant.description}</p>}
          </div>
          <label className="inline-label">
            <span>Answer language</span>
            <select
              value={language}
              onChange={(e) => {
                setLanguage(e.target.value);
                setPref("language", e.target.value || null);
              }}
            >
              <option value="">{assistant?.language ? `Assistant's (${assistant.language})` : "Automatic"}</option>
              {LANGUAGES.map(([code, name]) => (
                <option key={code} value={code}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <ConversationExport sessionId={validSession} disabled={chat.messages.length === 0 || chat.streaming} />
          {confirmReset ? (
            <span className="confirm">
              <span>Reset this conversation?</span>
              <button
                type="button"
                className="button small danger"
                autoFocus
                onClick={() => {
                  setConfirmReset(false);
                  chat.reset().catch(() => undefined);
                }}
              >
                Reset
              </button>
              <button type="button" className="button small" onClick={() => setConfirmReset(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button
              type="button"
              className="button small"
              disabled={chat.messages.length === 0}
              onClick={() => setConfirmReset(true)}
            >
              <IconTrash size={14} /> <span className="label-text">Reset</span>
            </button>
          )}
        </div>

        <div
          className="messages"
          ref={scroller}
          onScroll={(e) => {
            const el = e.currentTarget;
            stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
          }}
          role="log"
          aria-label="Conversation"
          aria-live="off"
        >
          {chat.loading && <p className="muted center">Loading the conversation…</p>}
          {chat.loadError && (
            <p className="error-inline" role="alert">
              The conversation could not be loaded: {chat.loadError}
            </p>
          )}
          {!chat.loading && chat.messages.length === 0 && !chat.loadError && (
            <div className="empty-chat">
              <h2>Ask {assistant?.name ?? "the assistant"} anything</h2>
              <p className="muted">Answers show the steps taken, the sources cited, and for data questions the query, a table and a chart.</p>
            </div>
          )}
          {chat.messages.map((message) => (
            <MessageView
              key={message.key}
              message={message}
              sessionId={validSession}
              canRetry={message === lastBot && !chat.streaming}
              sourcesShown={panel?.key === message.key}
              onRetry={chat.retry}
              onCite={(n) => setPanel({ key: message.key, active: n })}
              onShowSources={() => setPanel(panel?.key === message.key ? null : { key: message.key, active: null })}
            />
          ))}
          <p className="visually-hidden" aria-live="polite">
            {chat.streaming ? "The assistant is answering." : lastBot?.status === "done" ? "Answer complete." : ""}
          </p>
        </div>

        <Composer streaming={chat.streaming} disabled={!assistant} onSend={(t) => void chat.send(t)} onStop={chat.stop} />
      </main>

      {panelMessage && (
        <SourcesPanel
          sources={panelMessage.sources}
          answer={panelMessage.text}
          active={panel?.active ?? null}
          onClose={() => setPanel(null)}
        />
      )}
    </div>
  );
}
