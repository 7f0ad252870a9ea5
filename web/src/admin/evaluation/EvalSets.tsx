// An assistant's evaluation sets: upload one (JSONL or CSV; a refused file lists its
// problems by line), start a run on one, delete one with its runs after a confirmation.
import { useRef, useState } from "react";
import { api } from "../../api/client";
import type { EvalRun, EvalSet } from "../../api/types";
import { ErrorText, LiveNotice } from "../../components/Feedback";
import { IconTrash } from "../../components/Icons";
import { type LineProblem, lineProblems } from "../../lib/evaluation";
import { exactTime, relativeTime } from "../../lib/time";
import { useAction } from "../../lib/useAction";

function ProblemList({ problems }: { problems: LineProblem[] }) {
  return (
    <div role="alert" className="eval-problems">
      <p className="error-text">The set was not uploaded: fix these lines and upload it again.</p>
      <ul aria-label="Problems in the file">
        {problems.map((p, i) => (
          <li key={i}>
            {p.line > 0 ? <strong>Line {p.line}</strong> : <strong>The file</strong>}
            {p.field && p.field !== "line" && p.field !== "file" ? <span className="mono small"> {p.field}</span> : null}: {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function UploadSet({ assistantId, onUploaded }: { assistantId: string; onUploaded: (set: EvalSet) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [problems, setProblems] = useState<LineProblem[] | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const upload = useAction();

  const submit = () =>
    upload.run(async () => {
      if (!file) return;
      setProblems(null);
      try {
        const set = await api.uploadEvalSet(assistantId, file);
        onUploaded(set);
        setFile(null);
        if (input.current) input.current.value = "";
        return `Uploaded ${set.name}: ${set.item_count} question${set.item_count === 1 ? "" : "s"}.`;
      } catch (e) {
        const byLine = lineProblems(e);
        if (!byLine) throw e;
        setProblems(byLine);
      }
    });

  return (
    <form
      className="eval-upload"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="field">
        <label htmlFor="eval-set-file">Question set (JSONL or CSV)</label>
        <input
          id="eval-set-file"
          ref={input}
          type="file"
          accept=".jsonl,.json,.csv,application/jsonl,text/csv"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setProblems(null);
          }}
        />
      </div>
      <div className="form-actions">
        <button type="submit" className="button small primary" disabled={!file || upload.busy}>
          {upload.busy ? "Uploading…" : "Upload set"}
        </button>
      </div>
      {problems && <ProblemList problems={problems} />}
      <ErrorText error={upload.error} />
      <LiveNotice>{upload.notice}</LiveNotice>
    </form>
  );
}

function SetRow({
  set,
  now,
  onStarted,
  onDeleted,
}: {
  set: EvalSet;
  now: number;
  onStarted: (run: EvalRun) => void;
  onDeleted: () => void;
}) {
  const [confirm, setConfirm] = useState(false);
  const action = useAction();
  return (
    <tr>
      <td data-label="Set">{set.name}</td>
      <td data-label="Questions">{set.item_count}</td>
      <td data-label="Uploaded">
        <time dateTime={set.created_at} title={exactTime(set.created_at)}>
          {relativeTime(set.created_at, now)}
        </time>
      </td>
      <td data-label="Actions" className="actions">
        <button
          type="button"
          className="button small"
          aria-label={`Start run on ${set.name}`}
          disabled={action.busy}
          onClick={() => void action.run(async () => onStarted(await api.startEvalRun(set.id)))}
        >
          Start run
        </button>
        {confirm ? (
          <span className="confirm">
            <button
              type="button"
              className="button small danger"
              autoFocus
              aria-label={`Delete ${set.name} and its runs`}
              disabled={action.busy}
              onClick={() =>
                void action.run(async () => {
                  await api.deleteEvalSet(set.id);
                  onDeleted();
                })
              }
            >
              Delete with its runs
            </button>
            <button type="button" className="button small" onClick={() => setConfirm(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" className="icon-button small" onClick={() => setConfirm(true)}>
            <IconTrash size={14} />
            <span className="visually-hidden">Delete set {set.name}</span>
          </button>
        )}
        <ErrorText error={action.error} />
      </td>
    </tr>
  );
}

/** The sets panel: the upload form, then the sets with their actions. */
export function EvalSets({
  assistantId,
  sets,
  onUploaded,
  onStarted,
  onDeleted,
}: {
  assistantId: string;
  sets: EvalSet[] | null;
  onUploaded: (set: EvalSet) => void;
  onStarted: (run: EvalRun) => void;
  onDeleted: (set: EvalSet) => void;
}) {
  const now = Date.now();
  return (
    <section aria-labelledby="eval-sets-heading" className="eval-sets">
      <h2 id="eval-sets-heading">Question sets</h2>
      <p className="muted small">
        One question a line: <span className="mono">question</span>, and optionally{" "}
        <span className="mono">expected_answer</span>, <span className="mono">expected_documents</span>,{" "}
        <span className="mono">expected_sql</span> or <span className="mono">expected_result</span>.
      </p>
      <UploadSet assistantId={assistantId} onUploaded={onUploaded} />
      {sets === null ? (
        <p className="muted">Loading sets…</p>
      ) : sets.length === 0 ? (
        <p className="muted">No question set yet: upload one to start a run.</p>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Question sets">
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">Set</th>
                <th scope="col">Questions</th>
                <th scope="col">Uploaded</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sets.map((set) => (
                <SetRow key={set.id} set={set} now={now} onStarted={onStarted} onDeleted={() => onDeleted(set)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
