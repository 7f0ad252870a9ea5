import { useCallback, useRef, useState } from "react";
import { ApiError, api } from "../api/client";
import type { Job, JobState, QueueStatus } from "../api/types";
import { ErrorText, LiveNotice } from "../components/Feedback";
import { IconRetry } from "../components/Icons";
import { navigate, useLocation } from "../lib/router";
import { duration, exactTime, relativeTime } from "../lib/time";
import { useAction } from "../lib/useAction";
import { usePolling } from "../lib/usePolling";

const POLL_MS = 5000;
const LIMIT = 50;

/** The filter's choices, in the order they are offered. */
const FILTERS: [JobState | "", string][] = [
  ["", "All"],
  ["queued", "Queued"],
  ["running", "Running"],
  ["failed", "Failed"],
  ["done", "Done"],
];
const STATES = new Set<string>(FILTERS.map(([value]) => value).filter(Boolean));

const STATE_TEXT: Record<string, string> = { queued: "Queued", running: "Running", done: "Done", failed: "Failed" };

const TASK_TEXT: Record<string, string> = {
  ingest_document: "Ingest document",
  refresh_schema: "Schema snapshot",
};

const BACKEND_TEXT: Record<string, string> = { inprocess: "In process", redis: "Redis" };

function taskText(task: string): string {
  return TASK_TEXT[task] ?? task;
}

function When({ label, iso, now }: { label: string; iso: string | null; now: number }) {
  if (!iso) return null;
  return (
    <li>
      {label}{" "}
      <time dateTime={iso} title={exactTime(iso)}>
        {relativeTime(iso, now)}
      </time>
    </li>
  );
}

function Summary({ queue, now }: { queue: QueueStatus | null; now: number }) {
  // A polite live region that stays in the page; its values change rarely (the wait is
  // counted in minutes), so a screen reader hears only what moved.
  return (
    <div className="job-summary" aria-live="polite">
      {queue === null ? (
        <p className="muted">Loading the queue…</p>
      ) : (
        <dl className="kpis">
          <div className="kpi">
            <dt className="kpi-label">Queued</dt>
            <dd className="kpi-value">{queue.counts.queued ?? 0}</dd>
          </div>
          <div className="kpi">
            <dt className="kpi-label">Running</dt>
            <dd className="kpi-value">{queue.counts.running ?? 0}</dd>
          </div>
          <div className={`kpi${queue.failed_last_hour ? " alert" : ""}`}>
            <dt className="kpi-label">Failed in the last hour</dt>
            <dd className="kpi-value">{queue.failed_last_hour}</dd>
            <dd className="kpi-label small">{queue.counts.failed ?? 0} failed in all</dd>
          </div>
          <div className="kpi">
            <dt className="kpi-label">Oldest queued job waiting</dt>
            <dd className="kpi-value small-value">
              {queue.oldest_queued_at ? (
                <time dateTime={queue.oldest_queued_at} title={exactTime(queue.oldest_queued_at)}>
                  {duration(now - Date.parse(queue.oldest_queued_at))}
                </time>
              ) : (
                "None waiting"
              )}
            </dd>
          </div>
          <div className="kpi">
            <dt className="kpi-label">Queue back-end</dt>
            <dd className="kpi-value small-value">{BACKEND_TEXT[queue.backend] ?? queue.backend}</dd>
          </div>
        </dl>
      )}
    </div>
  );
}

function JobRow({
  job,
  now,
  busy,
  retrying,
  onRetry,
}: {
  job: Job;
  now: number;
  busy: boolean;
  retrying: boolean;
  onRetry: () => void;
}) {
  const failed = job.state === "failed";
  const task = taskText(job.task);
  // A queued job with an error is waiting for its next attempt after a passing failure.
  const waitingRetry = job.state === "queued" && job.attempts > 0 && Date.parse(job.run_after) > now;
  return (
    <tr className={failed ? "failed" : undefined} data-state={job.state}>
      <td data-label="Task">
        <span className="job-task" title={job.task === task ? undefined : job.task}>
          {task}
        </span>
      </td>
      <td data-label="Works on">
        <span className="mono small job-key">{job.key}</span>
      </td>
      <td data-label="State">
        <span className={`status-badge ${job.state}`}>{STATE_TEXT[job.state] ?? job.state}</span>
      </td>
      <td data-label="Attempts">
        {job.attempts}/{job.max_attempts}
      </td>
      <td data-label="Last error" className={job.last_error ? undefined : "empty"}>
        {job.last_error ? (
          <span className={`job-error ${failed ? "error-text" : "muted"}`}>{job.last_error}</span>
        ) : (
          <>
            <span aria-hidden="true" className="muted">
              —
            </span>
            <span className="visually-hidden">None</span>
          </>
        )}
      </td>
      <td data-label="Times">
        <ul className="job-times">
          <When label="Created" iso={job.created_at} now={now} />
          <When label="Started" iso={job.started_at} now={now} />
          <When label="Finished" iso={job.finished_at} now={now} />
          {waitingRetry && <When label="Next attempt" iso={job.run_after} now={now} />}
        </ul>
      </td>
      <td className={failed ? "actions" : "actions empty"}>
        {failed && (
          <button type="button" className="button small" disabled={busy} onClick={onRetry}>
            <IconRetry size={14} />
            {retrying ? "Retrying…" : "Retry"}{" "}
            <span className="visually-hidden">
              {task} {job.key}
            </span>
          </button>
        )}
      </td>
    </tr>
  );
}

/** Background jobs: the queue at a glance, the newest jobs, and a retry for failed ones. */
export function JobsAdmin({ pollMs = POLL_MS }: { pollMs?: number }) {
  const { search } = useLocation();
  const requested = search.get("state") ?? "";
  const filter = STATES.has(requested) ? (requested as JobState) : null;
  const [queue, setQueue] = useState<QueueStatus | null>(null);
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const loading = useAction();
  const retry = useAction();
  const [retrying, setRetrying] = useState<string | null>(null);
  const table = useRef<HTMLDivElement>(null);
  // Only the newest request may set the page: a poll sent before the filter changed loses.
  const latest = useRef(0);
  const { fail, setError } = loading;

  const load = useCallback(async () => {
    const mine = ++latest.current;
    try {
      const [status, list] = await Promise.all([api.jobQueue(), api.jobs({ state: filter, limit: LIMIT })]);
      if (mine !== latest.current) return;
      setQueue(status);
      setJobs(list);
      setNow(Date.now());
      setError(null);
    } catch (e) {
      if (mine === latest.current) fail(e);
    }
  }, [filter, fail, setError]);

  usePolling(load, pollMs);

  const choose = (value: string) => {
    setJobs(null);
    navigate(value ? `/admin/jobs?state=${value}` : "/admin/jobs", { replace: true });
  };

  const runRetry = (job: Job) =>
    retry.run(async () => {
      setRetrying(job.id);
      try {
        const updated = await api.retryJob(job.id);
        setJobs((list) => (list ?? []).map((j) => (j.id === updated.id ? { ...j, ...updated } : j)));
        table.current?.focus(); // the button is gone: keep the focus near
        return `${taskText(job.task)} queued again.`;
      } catch (e) {
        // Someone else retried it, or it changed state: show what it is now.
        if (e instanceof ApiError && e.status === 409) table.current?.focus();
        throw e;
      } finally {
        setRetrying(null);
        void load();
      }
    });

  const current = FILTERS.find(([value]) => value === (filter ?? ""))?.[1] ?? "All";

  return (
    <section aria-labelledby="jobs-heading">
      <div className="section-head">
        <h1 id="jobs-heading">Jobs</h1>
        <div className="field inline">
          <label htmlFor="jobs-state">Show</label>
          <select id="jobs-state" value={filter ?? ""} onChange={(e) => choose(e.target.value)}>
            {FILTERS.map(([value, label]) => (
              <option key={value} value={value}>
                {label === "All" ? "All jobs" : label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Summary queue={queue} now={now} />
      <ErrorText error={loading.error} />
      <ErrorText error={retry.error} />
      <LiveNotice className="visually-hidden">{retry.notice}</LiveNotice>
      {retry.notice && <p className="notice">{retry.notice}</p>}
      {jobs === null ? (
        <p className="muted">Loading jobs…</p>
      ) : jobs.length === 0 ? (
        <p className="muted">{filter ? `No ${current.toLowerCase()} jobs.` : "No jobs yet."}</p>
      ) : (
        <>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Jobs" ref={table}>
            <table className="admin-table jobs-table">
              <thead>
                <tr>
                  <th scope="col">Task</th>
                  <th scope="col">Works on</th>
                  <th scope="col">State</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last error</th>
                  <th scope="col">Times</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {jobs.map((job) => (
                  <JobRow
                    key={job.id}
                    job={job}
                    now={now}
                    busy={retry.busy}
                    retrying={retrying === job.id}
                    onRetry={() => void runRetry(job)}
                  />
                ))}
              </tbody>
            </table>
          </div>
          {jobs.length >= LIMIT && <p className="hint">The newest {LIMIT} are shown.</p>}
        </>
      )}
    </section>
  );
}
