import { useId, useState } from "react";
import { buildTree, formatDuration, stepDetail, type StepNode, type StepTree } from "../lib/steps";
import { IconCheck, IconChevron, IconSpinner, IconX } from "./Icons";

const STATUS_TEXT = { running: "running", done: "done", error: "failed" } as const;

function StatusIcon({ status }: { status: StepNode["status"] }) {
  return (
    <span className={`step-status ${status}`}>
      {status === "running" ? <IconSpinner size={14} /> : status === "error" ? <IconX size={14} /> : <IconCheck size={14} />}
      <span className="visually-hidden">{STATUS_TEXT[status] ?? status}</span>
    </span>
  );
}

function StepItem({ step }: { step: StepTree }) {
  const running = step.status === "running" || step.children.some((c) => c.status === "running");
  const [userOpen, setUserOpen] = useState<boolean | null>(null);
  const open = userOpen ?? running;
  const listId = useId();
  const duration = formatDuration(step.metadata?.duration_ms);
  const detail = stepDetail(step.metadata ?? {});
  const sql = typeof step.metadata?.sql === "string" ? step.metadata.sql : "";
  return (
    <li className={`step ${step.status}`}>
      <div className="step-row">
        <StatusIcon status={step.status} />
        <span className="step-label">{step.label}</span>
        {duration && <span className="step-duration">{duration}</span>}
        {step.children.length > 0 && (
          <button
            type="button"
            className="icon-button small"
            aria-expanded={open}
            aria-controls={listId}
            onClick={() => setUserOpen(!open)}
          >
            <IconChevron open={open} size={14} />
            <span className="visually-hidden">
              {open ? "Hide" : "Show"} {step.children.length} sub-steps of {step.label}
            </span>
          </button>
        )}
      </div>
      {detail && <div className="step-detail">{detail}</div>}
      {sql && <code className="step-sql">{sql}</code>}
      {step.children.length > 0 && open && (
        <ol className="step-list nested" id={listId}>
          {step.children.map((child) => (
            <StepItem key={child.id} step={child} />
          ))}
        </ol>
      )}
    </li>
  );
}

/** The steps of one answer: open while it streams, collapsed to a summary when done. */
export function StepTimeline({ steps, streaming }: { steps: StepNode[]; streaming: boolean }) {
  const [userOpen, setUserOpen] = useState<boolean | null>(null);
  const listId = useId();
  if (steps.length === 0) return null;
  const tree = buildTree(steps);
  const open = userOpen ?? streaming;
  const running = steps.filter((s) => s.status === "running");
  const failed = steps.some((s) => s.status === "error");
  const total = tree.reduce((sum, s) => sum + (Number(s.metadata?.duration_ms) || 0), 0);
  const summary = running.length
    ? `${running[running.length - 1].label}…`
    : `${steps.length} step${steps.length === 1 ? "" : "s"}${total ? ` · ${formatDuration(total)}` : ""}${failed ? " · with errors" : ""}`;
  return (
    <div className="steps">
      <button
        type="button"
        className="steps-toggle"
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setUserOpen(!open)}
      >
        <IconChevron open={open} size={14} />
        <StatusIcon status={running.length ? "running" : failed ? "error" : "done"} />
        <span>{summary}</span>
      </button>
      {open && (
        <ol className="step-list" id={listId} aria-label="Steps">
          {tree.map((step) => (
            <StepItem key={step.id} step={step} />
          ))}
        </ol>
      )}
    </div>
  );
}
