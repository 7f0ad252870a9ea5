// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { ChatEvent } from "../api/types";
import { applyEvent, finishUnterminated, fromHistory, pendingBotMessage } from "./state";

const events: ChatEvent[] = [
  { type: "start", session_id: "s-12345678", message_id: "m1", assistant_id: "a" },
  { type: "step", step_id: "retrieve", parent_id: null, sequence: 1, label: "Searching", status: "running", metadata: {} },
  { type: "step", step_id: "k", parent_id: "retrieve", sequence: 2, label: "Keyword", status: "running", metadata: { is_substep: true } },
  { type: "step", step_id: "k", parent_id: "retrieve", sequence: 2, label: "Keyword", status: "done", metadata: { is_substep: true, duration_ms: 3 } },
  { type: "step", step_id: "retrieve", parent_id: null, sequence: 1, label: "Searching", status: "done", metadata: { duration_ms: 9 } },
  { type: "sources", sources: [{ id: "c1", name: "a.pdf", type: "pdf", content: "text", metadata: { page: 2 } }] },
  { type: "token", content: "Hello " },
  { type: "token", content: "[1]" },
  { type: "sql", sql: "SELECT 1" },
  { type: "table", columns: ["x"], rows: [[1]], row_count: 1, truncated: false },
  { type: "visualization", visualization: { viz_type: "kpi", series: [1] } },
  { type: "done", message_id: "m1", usage: { prompt_tokens: 3, completion_tokens: 2 }, timings: { retrieval_ms: 1, first_token_ms: 2, total_ms: 10 } },
];

describe("applyEvent", () => {
  it("builds the whole answer from the stream", () => {
    const message = events.reduce(applyEvent, pendingBotMessage());
    expect(message).toMatchObject({
      id: "m1",
      text: "Hello [1]",
      status: "done",
      sql: "SELECT 1",
      table: { columns: ["x"], rows: [[1]], row_count: 1 },
      visualization: { viz_type: "kpi" },
    });
    expect(message.steps).toHaveLength(2); // updated in place, not duplicated
    expect(message.steps.find((s) => s.id === "k")).toMatchObject({ status: "done", parentId: "retrieve" });
    expect(message.sources[0].metadata.page).toBe(2);
  });

  it("keeps an error when done follows it", () => {
    const message = [
      { type: "token", content: "Part" },
      { type: "error", code: "model_error", message: "failed" },
      { type: "done", message_id: "m", usage: { prompt_tokens: 0, completion_tokens: 0 }, timings: { retrieval_ms: null, first_token_ms: null, total_ms: 1 } },
    ].reduce((m, e) => applyEvent(m, e as ChatEvent), pendingBotMessage());
    expect(message.status).toBe("error");
    expect(message.error).toEqual({ code: "model_error", message: "failed" });
    expect(message.text).toBe("Part");
  });

  it("marks a stream cut before done", () => {
    const cut = finishUnterminated(events.slice(0, 3).reduce(applyEvent, pendingBotMessage()));
    expect(cut.status).toBe("error");
    expect(cut.error?.code).toBe("connection_lost");
    expect(cut.steps.every((s) => s.status !== "running")).toBe(true);
  });
});

describe("fromHistory", () => {
  it("reads the history format, step tree included", () => {
    const message = fromHistory({
      id: "m2",
      text: "Answer",
      sender: "bot",
      created_at: "2024-01-01T00:00:00Z",
      steps: [
        {
          step_id: "retrieve",
          label: "Searching",
          status: "done",
          sequence: 1,
          metadata: { duration_ms: 4 },
          sub_steps: [{ step_id: "k", label: "Keyword", status: "done", sequence: 2, isSubStep: true }],
        },
        { label: "A step without id" },
      ],
      interrupted: true,
    });
    expect(message.role).toBe("bot");
    expect(message.status).toBe("stopped");
    expect(message.steps.map((s) => [s.id, s.parentId])).toEqual([
      ["retrieve", null],
      ["k", "retrieve"],
      ["step-1", null],
    ]);
  });
});
