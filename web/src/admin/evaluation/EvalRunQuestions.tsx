// One run's questions, a page at a time: the question and what was expected, what each
// retrieval mode found (the expected documents marked), the answer, its citations, the SQL,
// and the error of a question that failed; "errors only" narrows to those.
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../../api/client";
import type { EvalResult, EvalResultPage, EvalRetrieved, EvalRun } from "../../api/types";
import { ErrorText } from "../../components/Feedback";
import { Pager } from "../../components/Pager";
import { EVAL_MODES, score } from "../../lib/evaluation";
import { useAction } from "../../lib/useAction";

export const QUESTIONS_PAGE = 20;

const place = (d: { name: string; page?: number | null; page_end?: number | null }) =>
  d.page ? `${d.name}, p. ${d.page}${d.page_end && d.page_end !== d.page ? `–${d.page_end}` : ""}` : d.name;

function Retrieved({ mode, documents }: { mode: string; documents: EvalRetrieved[] }) {
  return (
    <div className="eval-retrieved">
      <h4>{mode}</h4>
      {documents.length === 0 ? (
        <p className="muted small">Nothing retrieved.</p>
      ) : (
        <ol aria-label={`Retrieved by ${mode}`}>
          {documents.map((d, i) => (
            <li key={i} data-relevant={d.relevant} className={d.relevant ? "relevant" : undefined}>
              {place(d)}
              {d.relevant && <span className="status-badge done"> expected</span>}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function QuestionCard({ result }: { result: EvalResult }) {
  const expected = result.expected;
  const retrieval = (result.scores.retrieval ?? {}) as Record<string, Record<string, number>>;
  const f1 = typeof result.scores.answer_f1 === "number" ? result.scores.answer_f1 : null;
  return (
    <li className={`eval-question${result.error ? " failed" : ""}`} aria-label={`Question ${result.position + 1}`}>
      <h3>
        <span className="muted">{result.position + 1}.</span> {result.question}
      </h3>
      {result.error && <p className="error-text">Error: {result.error}</p>}
      <dl className="eval-expected">
        {expected.expected_answer && (
          <>
            <dt>Expected answer</dt>
            <dd>{expected.expected_answer}</dd>
          </>
        )}
        {expected.expected_documents?.length ? (
          <>
            <dt>Expected documents</dt>
            <dd>{expected.expected_documents.map(place).join("; ")}</dd>
          </>
        ) : null}
        {expected.expected_sql && (
          <>
            <dt>Expected SQL</dt>
            <dd className="mono small">{expected.expected_sql}</dd>
          </>
        )}
      </dl>
      {Object.keys(result.retrieved).length > 0 && (
        <div className="eval-modes">
          {EVAL_MODES.filter((mode) => mode in result.retrieved).map((mode) => (
            <div key={mode}>
              <Retrieved mode={mode} documents={result.retrieved[mode]} />
              {retrieval[mode] && (
                <p className="muted small">
                  nDCG@10 {score(retrieval[mode]["ndcg@10"])} · Recall@10 {score(retrieval[mode]["recall@10"])}
                </p>
              )}
            </div>
          ))}
        </div>
      )}
      <h4>Answer {f1 !== null && <span className="muted small">(token-F1 {score(f1)})</span>}</h4>
      <p className="eval-answer">{result.answer || <span className="muted">No answer.</span>}</p>
      {result.citations.length > 0 && (
        <>
          <h4>Citations</h4>
          <ul aria-label="Citations">
            {result.citations.map((c) => (
              <li key={c.number}>
                [{c.number}] {place(c)}
                {c.in_expected === true && <span className="status-badge done"> expected</span>}
                {c.in_expected === false && <span className="status-badge failed"> not expected</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {result.sql && (
        <>
          <h4>SQL {result.scores.sql_correct !== undefined && <span className="muted small">({result.scores.sql_correct ? "correct result" : "wrong result"})</span>}</h4>
          <pre className="mono small">{result.sql}</pre>
        </>
      )}
    </li>
  );
}

/** The drill-down of one run. */
export function EvalRunQuestions({ run, onClose }: { run: EvalRun; onClose: () => void }) {
  const [errorsOnly, setErrorsOnly] = useState(false);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<EvalResultPage | null>(null);
  const loading = useAction();
  const { fail, setError } = loading;
  const latest = useRef(0);
  // A running run gains questions: the page is asked again as it progresses.
  const progress = run.completed;

  const load = useCallback(async () => {
    const mine = ++latest.current;
    try {
      const result = await api.evalQuestions(run.id, { errorsOnly, limit: QUESTIONS_PAGE, offset });
      if (mine !== latest.current) return;
      setPage(result);
      setError(null);
    } catch (e) {
      if (mine === latest.current) fail(e);
    }
  }, [run.id, errorsOnly, offset, fail, setError, progress]);

  useEffect(() => {
    void load();
  }, [load]);

  const total = page?.total ?? 0;
  return (
    <section aria-labelledby="eval-questions-heading" className="eval-drilldown">
      <div className="section-head">
        <h2 id="eval-questions-heading">Questions of the run</h2>
        <label className="inline">
          <input
            type="checkbox"
            checked={errorsOnly}
            onChange={(e) => {
              setErrorsOnly(e.target.checked);
              setOffset(0);
            }}
          />{" "}
          Errors only
        </label>
        <button type="button" className="button small" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorText error={loading.error} />
      {page === null ? (
        !loading.error && <p className="muted">Loading questions…</p>
      ) : page.items.length === 0 ? (
        <p className="muted">{errorsOnly ? "No question of this run failed." : "No question has been run yet."}</p>
      ) : (
        <>
          <ol className="eval-questions" aria-label="Questions">
            {page.items.map((result) => (
              <QuestionCard key={result.id} result={result} />
            ))}
          </ol>
          <Pager
            label="Question pages"
            offset={offset}
            shown={page.items.length}
            total={total}
            pageSize={QUESTIONS_PAGE}
            onOffset={setOffset}
          />
        </>
      )}
    </section>
  );
}
