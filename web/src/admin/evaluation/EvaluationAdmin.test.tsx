import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Assistant, EvalResult, EvalRun, EvalSet } from "../../api/types";
import { EvaluationAdmin } from "./EvaluationAdmin";

const json = (body: unknown, status = 200) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });

const ASSISTANTS = [{ id: "a-1", name: "Support desk" }] as Assistant[];
const SET: EvalSet = { id: "s-1", assistant_id: "a-1", name: "smoke.jsonl", item_count: 45, created_at: "2026-12-01T10:00:00Z" };

const mode = (ndcg: number, recall: number, mrr: number) => ({ ndcg_at_10: ndcg, recall_at_10: recall, mrr_at_10: mrr, questions: 45 });

const run = (fields: Partial<EvalRun> = {}): EvalRun => ({
  id: "r-1",
  assistant_id: "a-1",
  set_id: "s-1",
  status: "done",
  total: 45,
  completed: 45,
  failed_questions: 0,
  error: null,
  settings: {},
  metrics: {
    retrieval: { keyword: mode(0.612, 0.7, 0.55), vector: mode(0.5, 0.6, 0.45), hybrid: mode(0.734, 0.889, 0.701) },
    answer_f1: 0.4216,
    citation_precision: 0.9,
    abstention_rate: 0.05,
    sql_execution_accuracy: null,
    latency_p50_ms: { retrieval_hybrid: 40, answer_total: 1234.4 },
    questions: 45,
    errors: 0,
  },
  created_at: "2026-12-01T10:00:00Z",
  started_at: "2026-12-01T10:00:01Z",
  finished_at: "2026-12-01T10:05:00Z",
  ...fields,
});

const result = (position: number): EvalResult => ({
  id: `q-${position}`,
  position,
  question: `Question ${position + 1}?`,
  expected: { expected_answer: "Run VACUUM.", expected_documents: [{ name: "vacuum.html" }] },
  retrieved: {
    keyword: [{ name: "vacuum.html", relevant: true }, { name: "pragma.html", relevant: false }],
    vector: [],
    hybrid: [{ name: "vacuum.html", page: 2, relevant: true }],
  },
  answer: `Answer ${position + 1}`,
  citations: [{ number: 1, name: "vacuum.html", in_expected: true }],
  sql: null,
  sql_result: null,
  latency_ms: {},
  scores: {},
  error: position === 0 ? "model_error: the model did not answer" : null,
});

interface Call {
  method: string;
  url: URL;
  body?: BodyInit | null;
}

/** The evaluation API of one assistant; `runs` and `answer` may be changed by a test. */
function server({ runs = [run()], sets = [SET] }: { runs?: EvalRun[]; sets?: EvalSet[] } = {}) {
  const calls: Call[] = [];
  const state = {
    runs,
    sets,
    /** What GET /evaluation-runs/{id} answers, call after call (the last one repeats). */
    polled: [] as EvalRun[],
    upload: null as Response | null,
  };
  vi.stubGlobal(
    "fetch",
    vi.fn(async (raw: string, init: RequestInit = {}) => {
      const url = new URL(raw, "http://x");
      const method = init.method ?? "GET";
      calls.push({ method, url, body: init.body });
      const path = url.pathname.replace("/api/v1", "");
      if (path === "/assistants") return json(ASSISTANTS);
      if (path === "/assistants/a-1/evaluation-sets" && method === "GET") return json(state.sets);
      if (path === "/assistants/a-1/evaluation-sets" && method === "POST") return state.upload ?? json(SET, 201);
      // As the API answers: oldest first, or newest first with order=newest.
      if (path === "/assistants/a-1/evaluation-runs")
        return json(url.searchParams.get("order") === "newest" ? [...state.runs].reverse() : state.runs);
      if (path === "/evaluation-sets/s-1/runs") return json(run({ status: "queued", completed: 0, metrics: null, finished_at: null }), 202);
      const one = /^\/evaluation-runs\/([^/]+)$/.exec(path);
      if (one && method === "GET") return json(state.polled.length > 1 ? state.polled.shift() : state.polled[0]);
      if (one && method === "DELETE") return json(undefined, 204);
      if (path === "/evaluation-sets/s-1" && method === "DELETE") return json(undefined, 204);
      if (path === "/evaluation-runs/r-1/questions") {
        const offset = Number(url.searchParams.get("offset"));
        const limit = Number(url.searchParams.get("limit"));
        const total = url.searchParams.get("errors_only") === "true" ? 1 : 45;
        const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => result(offset + i));
        return json({ items, total, limit, offset });
      }
      return json({ detail: "Not Found" }, 404);
    }),
  );
  return { calls, state };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("EvaluationAdmin", () => {
  it("shows the line problems of a set the API refuses (422)", async () => {
    const { state, calls } = server({ sets: [], runs: [] });
    state.upload = json(
      {
        detail: [
          { field: "file.line 2.question", message: "Field required", type: "invalid_eval_set" },
          { field: "file.line 5.line", message: "not valid JSON (Expecting value)", type: "invalid_eval_set" },
        ],
        code: "invalid_request",
      },
      422,
    );
    render(<EvaluationAdmin />);
    await screen.findByText("No question set yet: upload one to start a run.");
    const file = new File(['{"question": "ok?"}\n{}\n'], "bad.jsonl", { type: "application/jsonl" });
    fireEvent.change(screen.getByLabelText("Question set (JSONL or CSV)"), { target: { files: [file] } });
    fireEvent.click(screen.getByRole("button", { name: "Upload set" }));

    const problems = await screen.findByRole("list", { name: "Problems in the file" });
    const items = within(problems).getAllByRole("listitem").map((li) => li.textContent);
    expect(items).toEqual(["Line 2 question: Field required", "Line 5: not valid JSON (Expecting value)"]);
    const upload = calls.find((c) => c.method === "POST");
    expect((upload?.body as FormData).get("file")).toBeInstanceOf(File);
    expect(screen.getByText("No question set yet: upload one to start a run.")).toBeTruthy(); // nothing was added
  });

  it("renders a run's metrics per mode, the answer scores and the p50 latency", async () => {
    server();
    render(<EvaluationAdmin />);
    const runs = await screen.findByRole("region", { name: "Evaluation runs" });
    const row = within(runs).getAllByRole("row").at(-1) as HTMLElement;
    const cell = (label: string) => row.querySelector(`td[data-label="${label}"]`)?.textContent;
    expect(cell("Set")).toBe("smoke.jsonl");
    expect(cell("Status")).toContain("Done");
    expect(cell("Hybrid nDCG@10")).toBe("0.734");
    expect(cell("Hybrid Recall@10")).toBe("0.889");
    expect(cell("Hybrid MRR@10")).toBe("0.701");
    expect(cell("Keyword nDCG@10")).toBe("0.612");
    expect(cell("Token-F1")).toBe("0.422");
    expect(cell("Citation precision")).toBe("0.900");
    expect(cell("Abstention")).toBe("0.050");
    expect(cell("SQL accuracy")).toBe("–"); // the set has no SQL questions
    expect(cell("p50 latency")).toBe("1234 ms");
  });

  it("opens a run's questions and asks for the right page, then errors only", async () => {
    const { calls } = server();
    render(<EvaluationAdmin />);
    fireEvent.click(await screen.findByRole("button", { name: /^Questions of the run/ }));
    const questions = await screen.findByRole("list", { name: "Questions" });
    const pages = () => calls.filter((c) => c.url.pathname.endsWith("/evaluation-runs/r-1/questions")).map((c) => c.url.searchParams);
    expect(pages().at(-1)?.get("offset")).toBe("0");
    expect(pages().at(-1)?.get("limit")).toBe("20");
    expect(pages().at(-1)?.get("errors_only")).toBe("false");

    const first = within(questions).getByRole("listitem", { name: "Question 1" });
    expect(within(first).getByText("Question 1?")).toBeTruthy();
    expect(within(first).getByText("Run VACUUM.")).toBeTruthy();
    expect(within(first).getByText(/model_error: the model did not answer/)).toBeTruthy();
    const keyword = within(first).getByRole("list", { name: "Retrieved by keyword" });
    const relevant = within(keyword).getAllByRole("listitem").map((li) => li.getAttribute("data-relevant"));
    expect(relevant).toEqual(["true", "false"]);
    expect(within(first).getByRole("list", { name: "Retrieved by hybrid" }).textContent).toContain("vacuum.html, p. 2");
    expect(within(first).getByRole("list", { name: "Citations" }).textContent).toContain("[1] vacuum.html");

    fireEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("21–40 of 45")).toBeTruthy();
    expect(pages().at(-1)?.get("offset")).toBe("20");

    fireEvent.click(screen.getByLabelText("Errors only"));
    await waitFor(() => expect(pages().at(-1)?.get("errors_only")).toBe("true"));
    expect(pages().at(-1)?.get("offset")).toBe("0");
    expect(await screen.findByText("1–1 of 1")).toBeTruthy();
  });

  it("polls a started run with its progress and stops once it is done", async () => {
    const { calls, state } = server({ runs: [] });
    state.polled = [
      run({ status: "running", completed: 10, metrics: null, finished_at: null }),
      run({ status: "running", completed: 30, metrics: null, finished_at: null }),
      run(),
    ];
    render(<EvaluationAdmin pollMs={10} />);
    fireEvent.click(await screen.findByRole("button", { name: "Start run on smoke.jsonl" }));
    const runs = await screen.findByRole("region", { name: "Evaluation runs" });
    const polls = () => calls.filter((c) => c.url.pathname === "/api/v1/evaluation-runs/r-1").length;

    expect(await within(runs).findByLabelText("Run progress: 10 of 45 questions")).toBeTruthy();
    await waitFor(() => expect(within(runs).getByText("Done")).toBeTruthy());
    expect(polls()).toBeGreaterThanOrEqual(3); // running, running, done
    expect(within(runs).getByText("0.734")).toBeTruthy();
    expect(within(runs).queryByRole("progressbar")).toBeNull();
    await new Promise((r) => setTimeout(r, 40)); // a tick in flight may still end
    const stopped = polls();
    await new Promise((r) => setTimeout(r, 100)); // ten intervals: none may ask again
    expect(polls()).toBe(stopped);
  });

  it("deletes a run only after the confirmation", async () => {
    const { calls } = server();
    render(<EvaluationAdmin />);
    const runs = await screen.findByRole("region", { name: "Evaluation runs" });
    fireEvent.click(within(runs).getByRole("button", { name: /^Delete the run of/ }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    fireEvent.click(within(runs).getByRole("button", { name: "Delete run" }));
    await screen.findByText("No run yet: start one on a question set.");
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url.pathname)).toEqual(["/api/v1/evaluation-runs/r-1"]);
  });

  it("deletes a set and its runs after the confirmation", async () => {
    const { calls } = server();
    render(<EvaluationAdmin />);
    fireEvent.click(await screen.findByRole("button", { name: "Delete set smoke.jsonl" }));
    fireEvent.click(screen.getByRole("button", { name: "Delete smoke.jsonl and its runs" }));
    await screen.findByText("No question set yet: upload one to start a run.");
    expect(screen.getByText("No run yet: start one on a question set.")).toBeTruthy();
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url.pathname)).toEqual(["/api/v1/evaluation-sets/s-1"]);
  });
});
