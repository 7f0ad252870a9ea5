import type { ChatMessage } from "../chat/state";
import { formatDuration } from "../lib/steps";
import { AnswerRating } from "./AnswerRating";
import { DataResult } from "./DataResult";
import { IconBook, IconRetry } from "./Icons";
import { Markdown } from "./Markdown";
import { StepTimeline } from "./StepTimeline";

interface Props {
  message: ChatMessage;
  /** The conversation's id: a finished answer in it can be rated. */
  sessionId?: string | null;
  canRetry: boolean;
  sourcesShown: boolean;
  onRetry: () => void;
  onCite: (n: number) => void;
  onShowSources: () => void;
}

export function MessageView({ message, sessionId, canRetry, sourcesShown, onRetry, onCite, onShowSources }: Props) {
  if (message.role === "user") {
    return (
      <article className="message user" aria-label="Your message">
        <div className="bubble">{message.text}</div>
      </article>
    );
  }
  const streaming = message.status === "streaming";
  const retry = canRetry && (
    <button type="button" className="button small" onClick={onRetry}>
      <IconRetry size={14} /> Retry
    </button>
  );
  const rateable = message.status === "done" && Boolean(message.id && sessionId);
  return (
    <article className={`message bot ${message.status}`} aria-label="Answer" aria-busy={streaming}>
      <StepTimeline steps={message.steps} streaming={streaming} />
      {message.text ? (
        <Markdown text={message.text} sourceCount={message.sources.length} onCite={onCite} streaming={streaming} />
      ) : (
        streaming && (
          <p className="thinking muted">
            <span className="dots" aria-hidden="true" /> Thinking…
          </p>
        )
      )}
      <DataResult sql={message.sql} table={message.table} visualization={message.visualization} />
      {message.status === "stopped" && (
        <div className="note">
          <span>Stopped. The part shown was kept.</span>
          {retry}
        </div>
      )}
      {message.error && (
        <div className="error-inline" role="alert">
          <span>{message.error.message}</span>
          {retry}
        </div>
      )}
      {(message.sources.length > 0 || message.timings || rateable) && !streaming && (
        <div className="message-footer">
          {rateable && (
            <AnswerRating sessionId={sessionId as string} messageId={message.id as string} initial={message.feedback ?? null} />
          )}
          {message.sources.length > 0 && (
            <button type="button" className="button small" aria-pressed={sourcesShown} onClick={onShowSources}>
              <IconBook size={14} /> {message.sources.length} source{message.sources.length === 1 ? "" : "s"}
            </button>
          )}
          {message.timings?.total_ms ? (
            <span className="muted small">Answered in {formatDuration(message.timings.total_ms)}</span>
          ) : null}
        </div>
      )}
    </article>
  );
}
