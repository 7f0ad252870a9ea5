// The conversations listed beside the chat: the server's for a logged-in user, this
// browser's for an anonymous one. Titles can be renamed here (kept in this browser).
import { useCallback, useEffect, useState } from "react";
import { ApiError, api } from "../api/client";
import type { User } from "../api/types";
import {
  anonymousSessions,
  customTitle,
  forgetAnonymousSession,
  hiddenSessions,
  hideSession,
  rememberAnonymousSession,
  setCustomTitle,
} from "../lib/storage";

export interface SessionItem {
  id: string;
  title: string;
}

const titled = (s: { id: string; title: string }): SessionItem => ({
  id: s.id,
  title: customTitle(s.id) ?? (s.title || "Untitled"),
});

export function useSessions(assistantId: string | null, user: User | null) {
  const [sessions, setSessions] = useState<SessionItem[]>([]);

  const refresh = useCallback(async () => {
    if (!assistantId) return;
    if (!user) {
      setSessions(anonymousSessions(assistantId).map(titled));
      return;
    }
    const hidden = hiddenSessions();
    try {
      setSessions((await api.sessions(assistantId)).filter((s) => !hidden.has(s.id)).map(titled));
    } catch {
      setSessions([]);
    }
  }, [assistantId, user]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  /** A turn started in this session: an anonymous one is remembered by this browser. */
  const started = useCallback(
    (id: string, question: string) => {
      if (!user && assistantId) rememberAnonymousSession({ id, assistant_id: assistantId, title: question.slice(0, 80) });
      if (!sessions.some((s) => s.id === id)) void refresh(); // a new one: list it at once
    },
    [assistantId, user, refresh, sessions],
  );

  const rename = useCallback(
    (id: string, title: string) => {
      setCustomTitle(id, title || null);
      void refresh();
    },
    [refresh],
  );

  /** Delete = reset on the server (the session stays bound), then drop it from the list. */
  const remove = useCallback(
    async (id: string) => {
      try {
        await api.resetChat(id);
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) throw e;
      }
      if (user) hideSession(id);
      else forgetAnonymousSession(id);
      setCustomTitle(id, null);
      await refresh();
    },
    [user, refresh],
  );

  return { sessions, refresh, started, rename, remove };
}
