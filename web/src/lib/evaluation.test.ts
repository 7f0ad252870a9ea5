import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import type { EvalRun } from "../api/types";
import { lineProblems, mainLatency, metricsOverTime, score } from "./evaluation";

const run = (id: string, status: EvalRun["status"], ndcg: number | null, f1: number | null): EvalRun => ({
  id,
  assistant_id: "a-1",
  set_id: "s-1",
  status,
  total: 2,
  completed: status === "done" ? 2 : 1,
  failed_questions: 0,
  error: null,
  settings: {},
  metrics:
    status === "done"
      ? {
          retrieval: { hybrid: { ndcg_at_10: ndcg, recall_at_10: ndcg, mrr_at_10: ndcg, questions: 2 } },
          answer_f1: f1,
          citation_precision: null,
          latency_p50_ms: { retrieval_hybrid: 12, answer_total: 900 },
          questions: 2,
          errors: 0,
        }
      : null,
  created_at: "2026-12-01T10:00:00Z",
  started_at: null,
  finished_at: null,
});

describe("evaluation helpers", () => {
  it("reads a refused set's problems by line, and leaves other errors alone", () => {
    const refused = new ApiError(422, "invalid_request", [
      { field: "file.line 3.expected_documents.0.name", message: "String should have at least 1 character" },
      { field: "file.line 0.file", message: "the file has no questions" },
    ]);
    expect(lineProblems(refused)).toEqual([
      { line: 3, field: "expected_documents.0.name", message: "String should have at least 1 character" },
      { line: 0, field: "file", message: "the file has no questions" },
    ]);
    expect(lineProblems(new ApiError(422, "invalid_request", [{ field: "body.file", message: "Field required" }]))).toBeNull();
    expect(lineProblems(new ApiError(404, "not_found", "Assistant not found"))).toBeNull();
  });

  it("charts the finished runs only, and only the measures some run has", () => {
    const chart = metricsOverTime([run("r-1", "done", 0.5, null), run("r-2", "running", null, null), run("r-3", "done", 0.75, null)]);
    expect(chart?.viz_type).toBe("line");
    expect(chart?.categories).toHaveLength(2);
    expect(chart?.series).toEqual([
      { name: "nDCG@10 (hybrid)", data: [0.5, 0.75] },
      { name: "Recall@10 (hybrid)", data: [0.5, 0.75] },
    ]);
    expect(metricsOverTime([run("r-1", "done", 0.5, 0.2)])).toBeNull(); // one point is no trend
  });

  it("prints scores with three decimals and the whole turn's p50", () => {
    expect(score(0.5)).toBe("0.500");
    expect(score(null)).toBe("–");
    expect(mainLatency(run("r-1", "done", 1, 1))).toEqual({ stage: "answer_total", ms: 900 });
    expect(mainLatency(run("r-2", "queued", null, null))).toBeNull();
  });
});
