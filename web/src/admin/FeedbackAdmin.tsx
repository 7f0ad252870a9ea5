// The rated answers of one assistant: filtered by rating, comment and date, a page at a
// time, and the same selection exported whole as JSON lines or CSV.
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { Assistant, FeedbackExportFormat, FeedbackItem, FeedbackPage, FeedbackQuery, Rating } from "../api/types";
import { ErrorText } from "../components/Feedback";
import { IconDownload, IconThumbDown, IconThumbUp } from "../components/Icons";
import { Pager } from "../components/Pager";
import { saveBlob } from "../lib/download";
import { navigate, useLocation } from "../lib/router";
import { exactTime, relativeTime } from "../lib/time";
import { useAction } from "../lib/useAction";
import { AssistantPicker } from "./AssistantPicker";

const PAGE_SIZE = 25;
const EXCERPT = 160;

type CommentFilter = "" | "with" | "without";

interface Filters {
  rating: Rating | "";
  comment: CommentFilter;
  since: string; // yyyy-mm-dd from a date input, "" for none
  until: string;
}

const NO_FILTERS: Filters = { rating: "", comment: "", since: "", until: "" };

/** The filters as the API takes them; a day is the reader's local day, the whole of it. */
export function feedbackQuery(filters: Filters): FeedbackQuery {
  const day = (date: string, time: string) => (date ? new Date(`${date}T${time}`).toISOString() : undefined);
  return {
    rating: filters.rating || undefined,
    has_comment: filters.comment === "" ? undefined : filters.comment === "with",
    since: day(filters.since, "00:00:00"),
    until: day(filters.until, "23:59:59.999"),
  };
}

const excerpt = (text: string) => (text.length > EXCERPT ? `${text.slice(0, EXCERPT).trimEnd()}…` : text);

function FeedbackRow({ item, now }: { item: FeedbackItem; now: number }) {
  const up = item.rating === "up";
  return (
    <tr data-rating={item.rating}>
      <td data-label="Question">{item.question || <span className="muted">—</span>}</td>
      <td data-label="Answer" className="excerpt" title={item.answer}>
        {excerpt(item.answer)}
      </td>
      <td data-label="Rating">
        <span className={`status-badge ${up ? "done" : "failed"}`}>
          {up ? <IconThumbUp size={14} /> : <IconThumbDown size={14} />} {up ? "Good" : "Bad"}
        </span>
      </td>
      <td data-label="Comment">{item.comment || <span className="muted">—</span>}</td>
      <td data-label="Rated">
        <time dateTime={item.updated_at} title={exactTime(item.updated_at)}>
          {relativeTime(item.updated_at, now)}
        </time>
      </td>
      <td data-label="Conversation">
        <span className="mono small">{item.session_id}</span>
      </td>
    </tr>
  );
}

/** Admin: the feedback readers gave an assistant's answers. */
export function FeedbackAdmin() {
  const { search } = useLocation();
  const [assistants, setAssistants] = useState<Assistant[] | null>(null);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<FeedbackPage | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const loading = useAction();
  const exporting = useAction();
  const { fail, setError } = loading;
  // Only the newest request may fill the table: an answer to older filters loses.
  const latest = useRef(0);

  useEffect(() => {
    api.assistants().then(setAssistants).catch(fail);
  }, [fail]);

  const requested = search.get("assistant");
  const selected = assistants?.find((a) => a.id === requested) ?? assistants?.[0] ?? null;
  const selectedId = selected?.id ?? null;

  const load = useCallback(async () => {
    if (!selectedId) return;
    const mine = ++latest.current;
    try {
      const result = await api.feedback(selectedId, { ...feedbackQuery(filters), limit: PAGE_SIZE, offset });
      if (mine !== latest.current) return;
      setPage(result);
      setNow(Date.now());
      setError(null);
    } catch (e) {
      if (mine === latest.current) fail(e);
    }
  }, [selectedId, filters, offset, fail, setError]);

  useEffect(() => {
    void load();
  }, [load]);

  const change = (next: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...next }));
    setOffset(0);
  };

  const exportAs = (format: FeedbackExportFormat) =>
    exporting.run(async () => {
      if (!selectedId) return;
      const file = await api.exportFeedback(selectedId, format, feedbackQuery(filters));
      saveBlob(file.fileName, file.blob);
    });

  if (assistants && assistants.length === 0) {
    return (
      <section>
        <h1>Feedback</h1>
        <p className="muted">Create an assistant first; feedback is given on its answers.</p>
      </section>
    );
  }

  const total = page?.total ?? 0;
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);

  return (
    <section aria-labelledby="feedback-heading">
      <div className="section-head">
        <h1 id="feedback-heading">Feedback</h1>
        <AssistantPicker
          id="feedback-assistant"
          assistants={assistants ?? []}
          value={selectedId ?? ""}
          onChange={(id) => {
            setOffset(0);
            setPage(null);
            navigate(`/admin/feedback?assistant=${id}`, { replace: true });
          }}
        />
      </div>

      <div className="feedback-filters" role="group" aria-label="Filters">
        <div className="field">
          <label htmlFor="feedback-rating">Rating</label>
          <select id="feedback-rating" value={filters.rating} onChange={(e) => change({ rating: e.target.value as Rating | "" })}>
            <option value="">All ratings</option>
            <option value="up">Good (thumbs up)</option>
            <option value="down">Bad (thumbs down)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="feedback-comment">Comment</label>
          <select
            id="feedback-comment"
            value={filters.comment}
            onChange={(e) => change({ comment: e.target.value as CommentFilter })}
          >
            <option value="">With or without</option>
            <option value="with">With a comment</option>
            <option value="without">Without a comment</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="feedback-since">From</label>
          <input id="feedback-since" type="date" value={filters.since} onChange={(e) => change({ since: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="feedback-until">To</label>
          <input id="feedback-until" type="date" value={filters.until} onChange={(e) => change({ until: e.target.value })} />
        </div>
        <div className="form-actions">
          <button type="button" className="button small" disabled={!selectedId || exporting.busy} onClick={() => void exportAs("jsonl")}>
            <IconDownload size={14} /> Export JSONL
          </button>
          <button type="button" className="button small" disabled={!selectedId || exporting.busy} onClick={() => void exportAs("csv")}>
            <IconDownload size={14} /> Export CSV
          </button>
        </div>
      </div>
      <ErrorText error={loading.error} />
      <ErrorText error={exporting.error} />

      {page === null ? (
        !loading.error && <p className="muted">Loading feedback…</p>
      ) : page.items.length === 0 ? (
        <p className="muted">{filtered ? "No feedback matches these filters." : "No answer of this assistant has been rated yet."}</p>
      ) : (
        <>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Rated answers">
            <table className="admin-table feedback-table">
              <thead>
                <tr>
                  <th scope="col">Question</th>
                  <th scope="col">Answer</th>
                  <th scope="col">Rating</th>
                  <th scope="col">Comment</th>
                  <th scope="col">Rated</th>
                  <th scope="col">Conversation</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((item) => (
                  <FeedbackRow key={item.message_id} item={item} now={now} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            label="Pages"
            offset={offset}
            shown={page.items.length}
            total={total}
            pageSize={PAGE_SIZE}
            onOffset={setOffset}
          />
        </>
      )}
    </section>
  );
}
