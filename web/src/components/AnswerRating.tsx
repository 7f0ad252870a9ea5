// Thumbs up / down under a finished answer, with an optional comment. Clicking the pressed
// thumb again withdraws the rating. The state shown is always what the server answered,
// so a failed request leaves the last saved rating in place (and says why).
import { useId, useState } from "react";
import { api } from "../api/client";
import type { Feedback, Rating } from "../api/types";
import { useAction } from "../lib/useAction";
import { ErrorText, LiveNotice } from "./Feedback";
import { IconThumbDown, IconThumbUp } from "./Icons";

interface Props {
  sessionId: string;
  messageId: string;
  initial: Feedback | null;
}

const THUMBS: [Rating, string, typeof IconThumbUp][] = [
  ["up", "Good answer", IconThumbUp],
  ["down", "Bad answer", IconThumbDown],
];

const PROMPT: Record<Rating, string> = {
  up: "What was good about it? (optional)",
  down: "What was wrong or missing? (optional)",
};

export function AnswerRating({ sessionId, messageId, initial }: Props) {
  const [feedback, setFeedback] = useState<Feedback | null>(initial);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  const action = useAction();
  const commentId = useId();

  const rate = (rating: Rating) =>
    action.run(async () => {
      if (feedback?.rating === rating) {
        await api.deleteFeedback(sessionId, messageId);
        setFeedback(null);
        setEditing(false);
        return "Rating removed.";
      }
      // A changed thumb keeps the comment already written.
      const saved = await api.putFeedback(sessionId, messageId, rating, feedback?.comment ?? "");
      setFeedback(saved);
      setDraft(saved.comment);
      setEditing(true);
      return "Thanks for the rating.";
    });

  const sendComment = () =>
    action.run(async () => {
      if (!feedback) return;
      const saved = await api.putFeedback(sessionId, messageId, feedback.rating, draft.trim());
      setFeedback(saved);
      setEditing(false);
      return saved.comment ? "Comment sent." : "Comment removed.";
    });

  return (
    <div className="answer-rating">
      <div className="rating-buttons" role="group" aria-label="Rate this answer">
        {THUMBS.map(([rating, label, Icon]) => (
          <button
            key={rating}
            type="button"
            className="icon-button small"
            aria-pressed={feedback?.rating === rating}
            disabled={action.busy}
            title={feedback?.rating === rating ? `${label} (click to remove)` : label}
            onClick={() => void rate(rating)}
          >
            <Icon size={14} />
            <span className="visually-hidden">{label}</span>
          </button>
        ))}
        {feedback && !editing && (
          <>
            {feedback.comment && <span className="muted small rating-comment">“{feedback.comment}”</span>}
            <button
              type="button"
              className="link-button small"
              onClick={() => {
                setDraft(feedback.comment);
                setEditing(true);
              }}
            >
              {feedback.comment ? "Edit comment" : "Add a comment"}
            </button>
          </>
        )}
        <LiveNotice as="span" className="visually-hidden">
          {action.notice}
        </LiveNotice>
      </div>
      {feedback && editing && (
        <form
          className="rating-form"
          onSubmit={(e) => {
            e.preventDefault();
            void sendComment();
          }}
        >
          <label htmlFor={commentId} className="small">
            {PROMPT[feedback.rating]}
          </label>
          <textarea id={commentId} rows={2} maxLength={4000} value={draft} onChange={(e) => setDraft(e.target.value)} />
          <div className="form-actions">
            <button type="submit" className="button small primary" disabled={action.busy}>
              Send comment
            </button>
            <button type="button" className="button small" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorText error={action.error} />
    </div>
  );
}
