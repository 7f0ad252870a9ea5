// Admin: built-in evaluation of one assistant. Its question sets, the runs over time with
// their metrics (queued and running ones polled until they finish), and a run's questions.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api } from "../../api/client";
import type { Assistant, EvalRun, EvalSet } from "../../api/types";
import { ErrorText } from "../../components/Feedback";
import { isActive } from "../../lib/evaluation";
import { navigate, useLocation } from "../../lib/router";
import { useAction } from "../../lib/useAction";
import { usePolling } from "../../lib/usePolling";
import { AssistantPicker } from "../AssistantPicker";
import { EvalRunQuestions } from "./EvalRunQuestions";
import { EvalRuns } from "./EvalRuns";
import { EvalSets } from "./EvalSets";

const POLL_MS = 1500;

/** Mounted only while some run is queued or running: polling ends with the last of them. */
function ActiveRunsPoller({ runIds, onRun, pollMs }: { runIds: string; onRun: (run: EvalRun) => void; pollMs: number }) {
  const tick = useCallback(
    async () => Promise.all(runIds.split(",").map(async (id) => onRun(await api.evalRun(id)))),
    [runIds, onRun],
  );
  usePolling(tick, pollMs);
  return null;
}

export function EvaluationAdmin({ pollMs = POLL_MS }: { pollMs?: number }) {
  const { search } = useLocation();
  const [assistants, setAssistants] = useState<Assistant[] | null>(null);
  const [sets, setSets] = useState<EvalSet[] | null>(null);
  const [runs, setRuns] = useState<EvalRun[] | null>(null);
  const [openRunId, setOpenRunId] = useState<string | null>(null);
  const loading = useAction();
  const { fail } = loading;
  // A list that answers after the assistant changed belongs to the old one: it loses.
  const latest = useRef(0);

  useEffect(() => {
    api.assistants().then(setAssistants).catch(fail);
  }, [fail]);

  const requested = search.get("assistant");
  const selected = assistants?.find((a) => a.id === requested) ?? assistants?.[0] ?? null;
  const selectedId = selected?.id ?? null;

  useEffect(() => {
    if (!selectedId) return;
    const mine = ++latest.current;
    Promise.all([api.evalSets(selectedId), api.evalRuns(selectedId)])
      .then(([s, r]) => {
        if (mine !== latest.current) return;
        setSets(s);
        setRuns(r);
      })
      .catch((e) => mine === latest.current && fail(e));
  }, [selectedId, fail]);

  const replaceRun = useCallback((run: EvalRun) => {
    setRuns((all) => all && all.map((r) => (r.id === run.id ? run : r)));
  }, []);

  const setNames = useMemo(() => Object.fromEntries((sets ?? []).map((s) => [s.id, s.name])), [sets]);
  const activeIds = (runs ?? []).filter(isActive).map((r) => r.id).join(",");
  const openRun = runs?.find((r) => r.id === openRunId) ?? null;

  if (assistants && assistants.length === 0) {
    return (
      <section>
        <h1>Evaluation</h1>
        <p className="muted">Create an assistant first; an evaluation runs an assistant's questions.</p>
      </section>
    );
  }

  return (
    <section aria-labelledby="evaluation-heading">
      <div className="section-head">
        <h1 id="evaluation-heading">Evaluation</h1>
        <AssistantPicker
          id="evaluation-assistant"
          assistants={assistants ?? []}
          value={selectedId ?? ""}
          onChange={(id) => {
            setSets(null);
            setRuns(null);
            setOpenRunId(null);
            navigate(`/admin/evaluation?assistant=${id}`, { replace: true });
          }}
        />
      </div>
      <ErrorText error={loading.error} />
      {activeIds && <ActiveRunsPoller runIds={activeIds} onRun={replaceRun} pollMs={pollMs} />}
      {selectedId && (
        <EvalSets
          assistantId={selectedId}
          sets={sets}
          onUploaded={(set) => setSets((all) => [set, ...(all ?? [])])}
          onStarted={(run) => setRuns((all) => [...(all ?? []), run])}
          onDeleted={(set) => {
            setSets((all) => all && all.filter((s) => s.id !== set.id));
            // A set's runs go with it (evaluation/service.py deletes them together).
            setRuns((all) => all && all.filter((r) => r.set_id !== set.id));
          }}
        />
      )}
      <EvalRuns
        runs={runs}
        setNames={setNames}
        selectedId={openRunId}
        onOpen={(run) => setOpenRunId((id) => (id === run.id ? null : run.id))}
        onDeleted={(run) => {
          setRuns((all) => all && all.filter((r) => r.id !== run.id));
          if (openRunId === run.id) setOpenRunId(null);
        }}
      />
      {openRun && <EvalRunQuestions key={openRun.id} run={openRun} onClose={() => setOpenRunId(null)} />}
    </section>
  );
}
