// How a form or an admin section reports back: an error is an alert, announced at once;
// a notice sits in a polite live region that stays in the page, because a region that
// appears together with its text is not reliably announced.
import type { ReactNode } from "react";

/** The error of the last action, if any (`className` places it, e.g. "span-2" in a grid). */
export function ErrorText({ error, className }: { error: string | null; className?: string }) {
  if (!error) return null;
  return (
    <p className={className ? `error-text ${className}` : "error-text"} role="alert">
      {error}
    </p>
  );
}

/** A polite live region: always rendered, its text changes. */
export function LiveNotice({
  children,
  className = "muted small",
  as: Tag = "p",
}: {
  children: ReactNode;
  className?: string;
  as?: "p" | "span";
}) {
  return (
    <Tag className={className} aria-live="polite">
      {children}
    </Tag>
  );
}
