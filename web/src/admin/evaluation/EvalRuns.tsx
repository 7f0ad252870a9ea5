// An assistant's runs over time: a row a run (its status and progress while it runs, its
// metrics once done), a chart of the main metrics, and each run's drill-down and delete.
import { useState } from "react";
import { api } from "../../api/client";
import type { EvalRun } from "../../api/types";
import { Chart } from "../../components/Chart";
import { ErrorText } from "../../components/Feedback";
import { IconTrash } from "../../components/Icons";
import { EVAL_MODES, isActive, mainLatency, metricsOverTime, millis, score } from "../../lib/evaluation";
import { exactTime } from "../../lib/time";
import { useAction } from "../../lib/useAction";

const STATUS_TEXT: Record<string, string> = { queued: "Queued", running: "Running", done: "Done", failed: "Failed" };
const MODE_TEXT: Record<string, string> = { keyword: "Keyword", vector: "Vector", hybrid: "Hybrid" };

function RunStatus({ run }: { run: EvalRun }) {
  return (
    <>
      <span className={`status-badge ${run.status}`}>{STATUS_TEXT[run.status] ?? run.status}</span>{" "}
      <span className="small">
        {run.completed}/{run.total}
      </span>
      {isActive(run) && (
        <progress max={run.total || 1} value={run.completed} aria-label={`Run progress: ${run.completed} of ${run.total} questions`} />
      )}
      {run.failed_questions > 0 && <span className="error-text small"> {run.failed_questions} failed</span>}
      {run.error && <span className="error-text small"> {run.error}</span>}
    </>
  );
}

function RunRow({
  run,
  setName,
  selected,
  onOpen,
  onDeleted,
}: {
  run: EvalRun;
  setName: string;
  selected: boolean;
  onOpen: () => void;
  onDeleted: () => void;
}) {
  const [confirm, setConfirm] = useState(false);
  const removing = useAction();
  const m = run.metrics;
  const latency = mainLatency(run);
  const when = run.finished_at ?? run.started_at ?? run.created_at;
  const shown = new Date(when).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  return (
    <tr data-status={run.status} className={selected ? "selected" : undefined}>
      <td data-label="Date" className="when">
        <time dateTime={when} title={exactTime(when)}>
          {shown}
        </time>
      </td>
      <td data-label="Set">{setName}</td>
      <td data-label="Status">
        <RunStatus run={run} />
      </td>
      {EVAL_MODES.flatMap((mode) => {
        const r = m?.retrieval?.[mode];
        return [
          <td key={`${mode}-ndcg`} data-label={`${MODE_TEXT[mode]} nDCG@10`} className="num">{score(r?.ndcg_at_10)}</td>,
          <td key={`${mode}-recall`} data-label={`${MODE_TEXT[mode]} Recall@10`} className="num">{score(r?.recall_at_10)}</td>,
          <td key={`${mode}-mrr`} data-label={`${MODE_TEXT[mode]} MRR@10`} className="num">{score(r?.mrr_at_10)}</td>,
        ];
      })}
      <td data-label="Token-F1" className="num">{score(m?.answer_f1)}</td>
      <td data-label="Citation precision" className="num">{score(m?.citation_precision)}</td>
      <td data-label="Abstention" className="num">{score(m?.abstention_rate)}</td>
      <td data-label="SQL accuracy" className="num">{score(m?.sql_execution_accuracy)}</td>
      <td data-label="p50 latency" className="num" title={latency ? `p50 of ${latency.stage}` : undefined}>
        {millis(latency?.ms)}
      </td>
      <td data-label="Actions" className="actions">
        <button
          type="button"
          className="button small"
          aria-pressed={selected}
          aria-label={`Questions of the run of ${shown}`}
          onClick={onOpen}
        >
          Questions
        </button>
        {confirm ? (
          <span className="confirm">
            <button
              type="button"
              className="button small danger"
              autoFocus
              disabled={removing.busy}
              onClick={() =>
                void removing.run(async () => {
                  await api.deleteEvalRun(run.id);
                  onDeleted();
                })
              }
            >
              Delete run
            </button>
            <button type="button" className="button small" onClick={() => setConfirm(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" className="icon-button small" onClick={() => setConfirm(true)}>
            <IconTrash size={14} />
            <span className="visually-hidden">Delete the run of {shown}</span>
          </button>
        )}
        <ErrorText error={removing.error} />
      </td>
    </tr>
  );
}

/** The runs panel: the chart over time, then the table (oldest first, as the API lists them). */
export function EvalRuns({
  runs,
  setNames,
  selectedId,
  onOpen,
  onDeleted,
}: {
  runs: EvalRun[] | null;
  setNames: Record<string, string>;
  selectedId: string | null;
  onOpen: (run: EvalRun) => void;
  onDeleted: (run: EvalRun) => void;
}) {
  const chart = runs ? metricsOverTime(runs) : null;
  return (
    <section aria-labelledby="eval-runs-heading" className="eval-runs">
      <h2 id="eval-runs-heading">Runs</h2>
      {runs === null ? (
        <p className="muted">Loading runs…</p>
      ) : runs.length === 0 ? (
        <p className="muted">No run yet: start one on a question set.</p>
      ) : (
        <>
          {chart && <Chart visualization={chart} />}
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Evaluation runs">
            <table className="admin-table eval-runs-table">
              <thead>
                <tr>
                  <th scope="col" rowSpan={2}>Date</th>
                  <th scope="col" rowSpan={2}>Set</th>
                  <th scope="col" rowSpan={2}>Status</th>
                  {EVAL_MODES.map((mode) => (
                    <th scope="colgroup" colSpan={3} key={mode}>
                      {MODE_TEXT[mode]}
                    </th>
                  ))}
                  <th scope="col" rowSpan={2}>Token-F1</th>
                  <th scope="col" rowSpan={2}>Citation precision</th>
                  <th scope="col" rowSpan={2}>Abstention</th>
                  <th scope="col" rowSpan={2}>SQL accuracy</th>
                  <th scope="col" rowSpan={2}>p50 latency</th>
                  <th scope="col" rowSpan={2}>
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
                <tr>
                  {EVAL_MODES.flatMap((mode) => [
                    <th scope="col" key={`${mode}-ndcg`}>nDCG@10</th>,
                    <th scope="col" key={`${mode}-recall`}>Recall@10</th>,
                    <th scope="col" key={`${mode}-mrr`}>MRR</th>,
                  ])}
                </tr>
              </thead>
              <tbody>
                {runs.map((run) => (
                  <RunRow
                    key={run.id}
                    run={run}
                    setName={setNames[run.set_id] ?? "—"}
                    selected={run.id === selectedId}
                    onOpen={() => onOpen(run)}
                    onDeleted={() => onDeleted(run)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
