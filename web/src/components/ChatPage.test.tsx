import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";

const ASSISTANT = {
  id: "a1",
  name: "Helpdesk",
  description: "Answers product questions",
  system_prompt: "",
  model: null,
  language: null,
  user_authentication: false,
  retrieval: { top_k: 5, keyword_weight: 1, vector_weight: 1 },
  created_at: "2024-01-01T00:00:00Z",
};
const SESSION = "s-0123456789abcdef";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function ndjson(events: unknown[], { hang = false, signal }: { hang?: boolean; signal?: AbortSignal } = {}) {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const e of events) controller.enqueue(encoder.encode(JSON.stringify(e) + "\n"));
      if (!hang) controller.close();
      signal?.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
}

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

function mockFetch(stream: Handler, extra: Record<string, Handler> = {}) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    for (const [prefix, handler] of Object.entries(extra)) if (url.startsWith(prefix)) return handler(url, init);
    if (url === "/api/v1/assistants") return json([ASSISTANT]);
    if (url.endsWith("/history")) return json({ detail: "Chat session not found", code: "session_not_found" }, 404);
    if (url === "/api/v1/chat/stream") return stream(url, init);
    return json({ detail: "Not Found", code: "not_found" }, 404);
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

beforeEach(() => {
  window.history.replaceState(null, "", `/chat/a1/${SESSION}`);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

async function ask(question: string) {
  const input = await screen.findByLabelText("Message");
  fireEvent.change(input, { target: { value: question } });
  fireEvent.click(screen.getByRole("button", { name: /Send/ }));
}

describe("ChatPage", () => {
  it("streams an answer with its steps and sources, and remembers the anonymous session", async () => {
    const fetchMock = mockFetch(() =>
      ndjson([
        { type: "start", session_id: SESSION, message_id: "m1", assistant_id: "a1" },
        { type: "step", step_id: "g", parent_id: null, sequence: 1, label: "Generating answer", status: "running", metadata: {} },
        { type: "sources", sources: [{ id: "c", name: "guide.pdf", type: "pdf", content: "Reset the router.", metadata: { page: 3, score: 0.5 } }] },
        { type: "token", content: "Reset the " },
        { type: "token", content: "router [1]." },
        { type: "step", step_id: "g", parent_id: null, sequence: 1, label: "Generating answer", status: "done", metadata: { duration_ms: 20 } },
        { type: "done", message_id: "m1", usage: { prompt_tokens: 1, completion_tokens: 2 }, timings: { retrieval_ms: 1, first_token_ms: 2, total_ms: 30 } },
      ]),
    );
    render(<App />);
    expect(await screen.findByRole("heading", { name: "Helpdesk" })).toBeTruthy();
    await ask("How do I reset?");
    await screen.findByText(/Reset the router/);
    const [, init] = fetchMock.mock.calls.find(([url]) => url === "/api/v1/chat/stream")!;
    expect(JSON.parse(String(init!.body))).toEqual({ message: "How do I reset?", assistant_id: "a1", session_id: SESSION });
    expect(await screen.findByRole("button", { name: /1 step/ })).toBeTruthy();
    fireEvent.click(screen.getByRole("link", { name: "Source 1" }));
    expect(await screen.findByRole("complementary", { name: /Sources/ })).toBeTruthy();
    expect(screen.getByText(/page 3/)).toBeTruthy();
    const stored = JSON.parse(localStorage.getItem("askwell.sessions") ?? "[]");
    expect(stored).toMatchObject([{ id: SESSION, assistant_id: "a1", title: "How do I reset?" }]);
    expect(await screen.findByRole("link", { name: "How do I reset?" })).toBeTruthy();
  });

  it("stops a stream with the stop button and offers a retry", async () => {
    mockFetch((_url, init) =>
      ndjson(
        [
          { type: "start", session_id: SESSION, message_id: "m1", assistant_id: "a1" },
          { type: "token", content: "Partial answer" },
        ],
        { hang: true, signal: init.signal ?? undefined },
      ),
    );
    render(<App />);
    await ask("Tell me a long story");
    await screen.findByText(/Partial answer/);
    await act(async () => fireEvent.click(screen.getByRole("button", { name: /Stop/ })));
    expect(await screen.findByText(/Stopped/)).toBeTruthy();
    expect(screen.getByRole("button", { name: /Retry/ })).toBeTruthy();
    expect(screen.getByRole("button", { name: /Send/ })).toBeTruthy();
  });

  it("shows a stream error inline and keeps the page", async () => {
    mockFetch(() =>
      ndjson([
        { type: "start", session_id: SESSION, message_id: "m1", assistant_id: "a1" },
        { type: "error", code: "model_error", message: "The model is unavailable" },
        { type: "done", message_id: "m1", usage: { prompt_tokens: 0, completion_tokens: 0 }, timings: { retrieval_ms: null, first_token_ms: null, total_ms: 1 } },
      ]),
    );
    render(<App />);
    await ask("Hello");
    expect((await screen.findByRole("alert")).textContent).toContain("The model is unavailable");
    expect(screen.getByRole("heading", { name: "Helpdesk" })).toBeTruthy();
  });

  it("asks to log in for an assistant reserved to signed-in users", async () => {
    window.history.replaceState(null, "", "/chat/private-1");
    mockFetch(() => json({}), {
      "/api/v1/assistants/private-1": () => json({ detail: "Authentication required for this assistant", code: "unauthorized" }, 401),
    });
    render(<App />);
    expect(await screen.findByRole("heading", { name: "Log in to continue" })).toBeTruthy();
    expect(screen.getByLabelText("E-mail")).toBeTruthy();
    expect(screen.getByLabelText("Password")).toBeTruthy();
  });

  it("restores the conversation from the history on load", async () => {
    mockFetch(() => json({}), {
      [`/api/v1/chat/${SESSION}/history`]: () =>
        json({
          messages: [
            { id: "u1", text: "Earlier question", sender: "user", created_at: "2024-01-01T00:00:00Z" },
            { id: "b1", text: "Earlier answer", sender: "bot", created_at: "2024-01-01T00:00:01Z", steps: [{ step_id: "g", label: "Generating", status: "done", sequence: 1 }] },
          ],
        }),
    });
    render(<App />);
    expect(await screen.findByText("Earlier question")).toBeTruthy();
    expect(screen.getByText("Earlier answer")).toBeTruthy();
    await waitFor(() => expect(screen.getByRole("button", { name: /1 step/ })).toBeTruthy());
  });
});
