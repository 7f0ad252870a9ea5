// The bookkeeping every form and admin button repeats around a request: busy while it
// runs, the failure's message, and a notice saying what the last success did.
import { useCallback, useState } from "react";
import { errorMessage } from "../api/client";

export interface Action {
  busy: boolean;
  error: string | null;
  notice: string | null;
  /**
   * Runs `action`, clearing the last error and notice first. A string it resolves to
   * becomes the notice; a failure becomes the error (it is not rethrown).
   */
  run: (action: () => Promise<string | void>) => Promise<void>;
  /** Shows a failure that did not go through `run` (e.g. a list that did not load). */
  fail: (error: unknown) => void;
  setError: (error: string | null) => void;
  setNotice: (notice: string | null) => void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const run = useCallback(async (action: () => Promise<string | void>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const done = await action();
      if (typeof done === "string") setNotice(done);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }, []);
  const fail = useCallback((e: unknown) => setError(errorMessage(e)), []);

  return { busy, error, notice, run, fail, setError, setNotice };
}
