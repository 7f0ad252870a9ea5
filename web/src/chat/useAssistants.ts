// Which assistants the caller may chat with, and the one named in the address.
import { useEffect, useState } from "react";
import { ApiError, api, errorMessage } from "../api/client";
import type { Assistant, User } from "../api/types";

export type Resolution =
  | { state: "loading" }
  | { state: "ok"; assistant: Assistant }
  | { state: "login" }
  | { state: "missing" }
  | { state: "error"; message: string };

export function useAssistants(assistantId: string | null, user: User | null, checking: boolean) {
  const [assistants, setAssistants] = useState<Assistant[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [resolution, setResolution] = useState<Resolution>({ state: "loading" });

  // Anonymous callers see the public assistants; a login changes the list.
  useEffect(() => {
    if (checking) return;
    let cancelled = false;
    api
      .assistants()
      .then((list) => {
        if (cancelled) return;
        setAssistants(list);
        setListError(null);
      })
      .catch((e) => !cancelled && setListError(errorMessage(e)));
    return () => {
      cancelled = true;
    };
  }, [user, checking]);

  // Not in the list: ask for it (a login-only assistant answers 401 to anonymous callers).
  useEffect(() => {
    if (!assistantId || !assistants) return;
    const found = assistants.find((a) => a.id === assistantId);
    if (found) {
      setResolution({ state: "ok", assistant: found });
      return;
    }
    let cancelled = false;
    setResolution({ state: "loading" });
    api
      .assistant(assistantId)
      .then((a) => !cancelled && setResolution({ state: "ok", assistant: a }))
      .catch((e) => {
        if (cancelled) return;
        if (e instanceof ApiError && e.status === 401) setResolution({ state: "login" });
        else if (e instanceof ApiError && (e.status === 404 || e.status === 422)) setResolution({ state: "missing" });
        else setResolution({ state: "error", message: errorMessage(e) });
      });
    return () => {
      cancelled = true;
    };
  }, [assistantId, assistants]);

  return { assistants, listError, resolution };
}
