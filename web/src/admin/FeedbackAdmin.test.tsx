import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Assistant, FeedbackItem } from "../api/types";
import { captureDownloads } from "../test/downloads";
import { FeedbackAdmin, feedbackQuery } from "./FeedbackAdmin";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const ASSISTANTS = [
  { id: "a-1", name: "Support desk" },
  { id: "a-2", name: "Finance" },
] as Assistant[];

const item = (n: number, fields: Partial<FeedbackItem> = {}): FeedbackItem => ({
  message_id: `m-${n}`,
  session_id: `session-${n}`,
  assistant_id: "a-1",
  rating: "down",
  comment: "",
  question: `Question ${n}?`,
  answer: `Answer ${n}. ${"More words. ".repeat(30)}`,
  created_at: "2026-12-01T10:00:00Z",
  updated_at: "2026-12-01T10:00:00Z",
  ...fields,
});

/** The feedback API over `total` rated answers; records the query of each list and export. */
function server(total = 3) {
  const lists: URLSearchParams[] = [];
  const exports: URLSearchParams[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (raw: string) => {
      const url = new URL(raw, "http://x");
      if (url.pathname === "/api/v1/assistants") return json(ASSISTANTS);
      if (url.pathname === "/api/v1/assistants/a-1/feedback") {
        lists.push(url.searchParams);
        const offset = Number(url.searchParams.get("offset"));
        const limit = Number(url.searchParams.get("limit"));
        const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) =>
          item(offset + i + 1, i === 0 && offset === 0 ? { comment: "It forgot the weekend", rating: "down" } : { rating: "up" }),
        );
        return json({ items, total, limit, offset });
      }
      if (url.pathname === "/api/v1/assistants/a-1/feedback/export") {
        exports.push(url.searchParams);
        const csv = url.searchParams.get("format") === "csv";
        return new Response(csv ? "message_id,comment\r\nm-1,It forgot the weekend\r\n" : '{"comment": "It forgot the weekend"}\n', {
          headers: { "content-disposition": `attachment; filename="feedback-a-1.${csv ? "csv" : "jsonl"}"` },
        });
      }
      return json({ detail: "Not Found" }, 404);
    }),
  );
  return { lists, exports };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const rows = () => within(screen.getByRole("table")).getAllByRole("row").slice(1);

describe("FeedbackAdmin", () => {
  it("lists the first assistant's rated answers: question, answer excerpt, rating, comment, conversation", async () => {
    server();
    render(<FeedbackAdmin />);
    await screen.findByRole("table");
    expect(rows()).toHaveLength(3);
    const first = rows()[0];
    expect(within(first).getByText("Question 1?")).toBeTruthy();
    expect(within(first).getByText(/^Answer 1\. More words\./).textContent?.endsWith("…")).toBe(true);
    expect(within(first).getByText("Bad")).toBeTruthy();
    expect(within(first).getByText("It forgot the weekend")).toBeTruthy();
    expect(within(first).getByText("session-1")).toBeTruthy();
    expect(within(rows()[1]).getByText("Good")).toBeTruthy();
  });

  it("sends the chosen filters and starts again at the first page", async () => {
    const { lists } = server(60);
    render(<FeedbackAdmin />);
    await screen.findByRole("table");
    expect(screen.getByText("1–25 of 60")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("26–50 of 60")).toBeTruthy();
    expect(lists.at(-1)?.get("offset")).toBe("25");

    fireEvent.change(screen.getByLabelText("Rating"), { target: { value: "down" } });
    fireEvent.change(screen.getByLabelText("Comment"), { target: { value: "with" } });
    await waitFor(() => expect(lists.at(-1)?.get("has_comment")).toBe("true"));
    const last = lists.at(-1) as URLSearchParams;
    expect(last.get("rating")).toBe("down");
    expect(last.get("offset")).toBe("0");
    expect(last.get("limit")).toBe("25");
    expect(last.has("since")).toBe(false);

    fireEvent.change(screen.getByLabelText("Comment"), { target: { value: "without" } });
    await waitFor(() => expect(lists.at(-1)?.get("has_comment")).toBe("false"));
    fireEvent.change(screen.getByLabelText("Rating"), { target: { value: "" } });
    await waitFor(() => expect(lists.at(-1)?.has("rating")).toBe(false));
  });

  it("turns a day range into the whole of each local day", () => {
    const query = feedbackQuery({ rating: "", comment: "", since: "2026-12-01", until: "2026-12-03" });
    expect(query.since).toBe(new Date(2026, 11, 1, 0, 0, 0, 0).toISOString());
    expect(query.until).toBe(new Date(2026, 11, 3, 23, 59, 59, 999).toISOString());
    expect(query.rating).toBeUndefined();
    expect(query.has_comment).toBeUndefined();
  });

  it("exports the filtered feedback as JSONL and as CSV", async () => {
    const { exports } = server();
    const saved = captureDownloads();
    render(<FeedbackAdmin />);
    await screen.findByRole("table");
    fireEvent.change(screen.getByLabelText("Rating"), { target: { value: "down" } });
    fireEvent.click(screen.getByRole("button", { name: "Export JSONL" }));
    await waitFor(() => expect(saved).toHaveLength(1));
    fireEvent.click(screen.getByRole("button", { name: "Export CSV" }));
    await waitFor(() => expect(saved).toHaveLength(2));

    expect(exports.map((q) => [q.get("format"), q.get("rating"), q.has("limit")])).toEqual([
      ["jsonl", "down", false],
      ["csv", "down", false],
    ]);
    expect(saved.map((f) => f.name)).toEqual(["feedback-a-1.jsonl", "feedback-a-1.csv"]);
    expect(await saved[0].blob.text()).toContain("It forgot the weekend");
  });

  it("says so when nothing matches", async () => {
    server(0);
    render(<FeedbackAdmin />);
    expect(await screen.findByText("No answer of this assistant has been rated yet.")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Rating"), { target: { value: "up" } });
    expect(await screen.findByText("No feedback matches these filters.")).toBeTruthy();
  });
});
