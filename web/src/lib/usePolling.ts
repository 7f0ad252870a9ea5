// Calls `tick` at once, then again `intervalMs` after each call ends, while the page is
// visible: polling pauses when the tab is hidden (and ticks at once when it is shown again)
// and stops when the component unmounts. A new `tick` (its dependencies changed) restarts it.
import { useEffect } from "react";

export function usePolling(tick: () => Promise<unknown>, intervalMs: number): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let running = false;

    const cancel = () => {
      clearTimeout(timer);
      timer = undefined;
    };
    const schedule = () => {
      cancel();
      if (!stopped && !document.hidden) timer = setTimeout(() => void run(), intervalMs);
    };
    const run = async () => {
      timer = undefined;
      if (stopped || running) return;
      running = true;
      try {
        await tick();
      } catch {
        // The tick reports its own failures; polling goes on.
      } finally {
        running = false;
        schedule();
      }
    };
    const onVisibility = () => {
      if (document.hidden) cancel();
      else if (!running) {
        cancel();
        void run();
      }
    };

    void run();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      stopped = true;
      cancel();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [tick, intervalMs]);
}
