// What the Evaluation tab computes from the wire: which runs still move, the problems of a
// refused set by line, a score as the tables print it, and the runs as a chart over time.
import { ApiError } from "../api/client";
import type { EvalMode, EvalRun, Visualization } from "../api/types";

/** The retrieval modes a run measures, in the order the tables show them (evaluation/schemas.py MODES). */
export const EVAL_MODES: readonly EvalMode[] = ["keyword", "vector", "hybrid"];

/** A run the job has not finished: its progress still changes. */
export const isActive = (run: EvalRun) => run.status === "queued" || run.status === "running";

/** One problem of a refused set: its line (0 for the whole file), the field and what is wrong. */
export interface LineProblem {
  line: number;
  field: string;
  message: string;
}

/**
 * The per-line problems of a 422 upload, or null when the error is something else. The
 * server sends each as `{"field": "file.line 3.expected_documents.0.name", "message": ...}`
 * (evaluation/router.py puts the line in the location).
 */
export function lineProblems(error: unknown): LineProblem[] | null {
  if (!(error instanceof ApiError) || error.status !== 422 || !Array.isArray(error.detail)) return null;
  const problems: LineProblem[] = [];
  for (const item of error.detail as { field?: string; message?: string }[]) {
    const match = /^file\.line (\d+)\.?(.*)$/.exec(item?.field ?? "");
    if (!match) return null; // not the set's own check (e.g. no file sent): the plain message says it
    problems.push({ line: Number(match[1]), field: match[2], message: item.message ?? "" });
  }
  return problems.length ? problems : null;
}

/** A 0..1 score as the table prints it (three decimals), "–" when the set does not give it. */
export function score(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(3);
}

/** A latency in milliseconds, "–" when not measured. */
export function millis(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "–" : `${Math.round(value)} ms`;
}

/** The stage whose p50 the table shows: the whole chat turn (runner.py's answer_total) when measured, else the first stage. */
export function mainLatency(run: EvalRun): { stage: string; ms: number } | null {
  const latency = run.metrics?.latency_p50_ms ?? {};
  const stages = Object.keys(latency);
  if (!stages.length) return null;
  const stage = stages.includes("answer_total") ? "answer_total" : stages.sort()[0];
  return { stage, ms: latency[stage] };
}

/**
 * The finished runs' main metrics over time, as a line chart for components/Chart.tsx:
 * hybrid nDCG@10 and Recall@10, token-F1 and citation precision. Null when fewer than two
 * runs are done (one point is no trend; the table shows it).
 */
export function metricsOverTime(runs: EvalRun[]): Visualization | null {
  const done = runs.filter((r) => r.status === "done" && r.metrics);
  if (done.length < 2) return null;
  const hybrid = (r: EvalRun) => r.metrics?.retrieval?.hybrid;
  const series = [
    { name: "nDCG@10 (hybrid)", data: done.map((r) => hybrid(r)?.ndcg_at_10 ?? null) },
    { name: "Recall@10 (hybrid)", data: done.map((r) => hybrid(r)?.recall_at_10 ?? null) },
    { name: "Token-F1", data: done.map((r) => r.metrics?.answer_f1 ?? null) },
    { name: "Citation precision", data: done.map((r) => r.metrics?.citation_precision ?? null) },
  ].filter((s) => s.data.some((v) => v !== null));
  if (!series.length) return null;
  const when = (r: EvalRun) => new Date(r.finished_at ?? r.created_at).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" });
  return {
    viz_type: "line",
    title: "Metrics over time",
    series,
    categories: done.map(when), // the date alone: the table names each run's set
  };
}
