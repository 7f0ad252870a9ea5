// What this browser remembers: anonymous sessions, session titles, hidden (reset) sessions
// and preferences. Everything here is per browser and purely cosmetic or convenience.
import type { ChatSessionInfo } from "../api/types";

function read<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled (private mode): the app still works, it just forgets.
  }
}

export interface LocalSession extends ChatSessionInfo {
  updated: number;
}

const ANON_SESSIONS = "askwell.sessions";
const TITLES = "askwell.titles";
const HIDDEN = "askwell.hidden";

/** This browser's anonymous sessions, most recent first. */
export function anonymousSessions(assistantId?: string): LocalSession[] {
  const all = read<LocalSession[]>(ANON_SESSIONS, []);
  return all
    .filter((s) => !assistantId || s.assistant_id === assistantId)
    .sort((a, b) => b.updated - a.updated);
}

/** Note (or touch) an anonymous session; its title stays the first question, as on the server. */
export function rememberAnonymousSession(session: ChatSessionInfo): void {
  const all = read<LocalSession[]>(ANON_SESSIONS, []);
  const known = all.find((s) => s.id === session.id);
  const rest = all.filter((s) => s.id !== session.id);
  rest.push({ ...session, title: known?.title ?? session.title, updated: Date.now() });
  write(ANON_SESSIONS, rest.slice(-200));
}

export function forgetAnonymousSession(id: string): void {
  write(
    ANON_SESSIONS,
    read<LocalSession[]>(ANON_SESSIONS, []).filter((s) => s.id !== id),
  );
}

/** Titles the user chose (rename); the server's title is the first question. */
export function customTitle(id: string): string | undefined {
  return read<Record<string, string>>(TITLES, {})[id];
}

export function setCustomTitle(id: string, title: string | null): void {
  const titles = read<Record<string, string>>(TITLES, {});
  if (title) titles[id] = title;
  else delete titles[id];
  write(TITLES, titles);
}

/** Sessions the user deleted (the server resets them but still lists them). */
export function hiddenSessions(): Set<string> {
  return new Set(read<string[]>(HIDDEN, []));
}

export function hideSession(id: string): void {
  const hidden = read<string[]>(HIDDEN, []);
  if (!hidden.includes(id)) write(HIDDEN, [...hidden, id].slice(-500));
}

export function getPref(key: string): string | null {
  try {
    return localStorage.getItem(`askwell.pref.${key}`);
  } catch {
    return null;
  }
}

export function setPref(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(`askwell.pref.${key}`);
    else localStorage.setItem(`askwell.pref.${key}`, value);
  } catch {
    // ignore: preferences are a convenience
  }
}
