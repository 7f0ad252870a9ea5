import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Feedback } from "../api/types";
import { pendingBotMessage, type ChatMessage } from "../chat/state";
import { MessageView } from "./MessageView";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const SESSION = "s-1";
const URL_ = "/api/v1/chat/s-1/messages/m-1/feedback";

const saved = (rating: "up" | "down", comment = ""): Feedback => ({
  message_id: "m-1",
  rating,
  comment,
  created_at: "2026-12-01T10:00:00Z",
  updated_at: "2026-12-01T10:00:00Z",
});

/** The feedback endpoint, recording each request as "METHOD url body". */
function server({ fail = false } = {}) {
  const requests: string[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? "GET";
    requests.push(`${method} ${url}${init.body ? ` ${init.body}` : ""}`);
    if (fail) return json({ detail: "Message not found in this session", code: "message_not_found" }, 404);
    if (url === URL_ && method === "PUT") {
      const body = JSON.parse(String(init.body));
      return json(saved(body.rating, body.comment));
    }
    if (url === URL_ && method === "DELETE") return new Response(null, { status: 204 });
    return json({ detail: "Not Found" }, 404);
  });
  vi.stubGlobal("fetch", fetch);
  return requests;
}

afterEach(() => vi.unstubAllGlobals());

const answer = (fields: Partial<ChatMessage> = {}): ChatMessage => ({
  ...pendingBotMessage(),
  id: "m-1",
  status: "done",
  text: "Refunds take 5 days.",
  ...fields,
});

const renderAnswer = (message: ChatMessage, sessionId: string | null = SESSION) =>
  render(
    <MessageView
      message={message}
      sessionId={sessionId}
      canRetry={false}
      sourcesShown={false}
      onRetry={vi.fn()}
      onCite={vi.fn()}
      onShowSources={vi.fn()}
    />,
  );

const thumb = (name: "Good answer" | "Bad answer") => screen.getByRole("button", { name });

describe("AnswerRating", () => {
  it("rates up, switches to down, and removes the rating with a second click on the pressed thumb", async () => {
    const requests = server();
    renderAnswer(answer());
    expect(thumb("Good answer").getAttribute("aria-pressed")).toBe("false");

    fireEvent.click(thumb("Good answer"));
    await waitFor(() => expect(thumb("Good answer").getAttribute("aria-pressed")).toBe("true"));
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));

    fireEvent.click(thumb("Bad answer"));
    await waitFor(() => expect(thumb("Bad answer").getAttribute("aria-pressed")).toBe("true"));
    expect(thumb("Good answer").getAttribute("aria-pressed")).toBe("false");

    fireEvent.click(thumb("Bad answer"));
    await waitFor(() => expect(thumb("Bad answer").getAttribute("aria-pressed")).toBe("false"));
    expect(requests).toEqual([
      `PUT ${URL_} {"rating":"up","comment":""}`,
      `PUT ${URL_} {"rating":"down","comment":""}`,
      `DELETE ${URL_}`,
    ]);
  });

  it("sends the comment written after a thumb", async () => {
    const requests = server();
    renderAnswer(answer());
    fireEvent.click(thumb("Bad answer"));
    const box = await screen.findByLabelText("What was wrong or missing? (optional)");
    fireEvent.change(box, { target: { value: "  It forgot the weekend.  " } });
    fireEvent.click(screen.getByRole("button", { name: "Send comment" }));
    expect(await screen.findByText("“It forgot the weekend.”")).toBeTruthy();
    expect(screen.queryByLabelText("What was wrong or missing? (optional)")).toBeNull();
    expect(requests[1]).toBe(`PUT ${URL_} {"rating":"down","comment":"It forgot the weekend."}`);
  });

  it("shows the feedback the history returned, and keeps its comment when the thumb changes", async () => {
    const requests = server();
    renderAnswer(answer({ feedback: saved("down", "Too vague") }));
    expect(thumb("Bad answer").getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByText("“Too vague”")).toBeTruthy();
    fireEvent.click(thumb("Good answer"));
    await waitFor(() => expect(thumb("Good answer").getAttribute("aria-pressed")).toBe("true"));
    expect(requests).toEqual([`PUT ${URL_} {"rating":"up","comment":"Too vague"}`]);
    expect((screen.getByLabelText("What was good about it? (optional)") as HTMLTextAreaElement).value).toBe("Too vague");
  });

  it("says why a rating failed and leaves the thumbs as they were", async () => {
    server({ fail: true });
    renderAnswer(answer());
    fireEvent.click(thumb("Good answer"));
    expect((await screen.findByRole("alert")).textContent).toContain("Message not found in this session");
    expect(thumb("Good answer").getAttribute("aria-pressed")).toBe("false");
  });

  it("offers no rating while streaming, after an error, or outside a session", () => {
    server();
    const { rerender } = renderAnswer(answer({ status: "streaming" }));
    expect(screen.queryByRole("button", { name: "Good answer" })).toBeNull();
    const props = { canRetry: false, sourcesShown: false, onRetry: vi.fn(), onCite: vi.fn(), onShowSources: vi.fn() };
    rerender(<MessageView {...props} sessionId={SESSION} message={answer({ status: "error", error: { code: "x", message: "failed" } })} />);
    expect(screen.queryByRole("button", { name: "Good answer" })).toBeNull();
    rerender(<MessageView {...props} sessionId={null} message={answer()} />);
    expect(screen.queryByRole("button", { name: "Good answer" })).toBeNull();
    rerender(<MessageView {...props} sessionId={SESSION} message={answer()} />);
    expect(screen.getByRole("button", { name: "Good answer" })).toBeTruthy();
  });
});
