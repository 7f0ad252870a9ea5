import { waitFor } from "@testing-library/dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { WidgetConfig } from "./config";
import { start } from "./main";

const CONFIG: WidgetConfig = {
  apiBase: "https://askwell.example",
  assistantId: "as_1",
  apiKey: "ak_widget",
  theme: "light",
  title: "Ask the shop",
};

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** An NDJSON body the test feeds line by line, to see the answer while it streams. */
function controlledStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { headers: { "content-type": "application/x-ndjson" } }),
    send: (event: object) => controller.enqueue(encoder.encode(JSON.stringify(event) + "\n")),
    close: () => controller.close(),
  };
}

let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(() => {
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});

afterEach(() => {
  document.body.replaceChildren();
});

function mount(config: Partial<WidgetConfig> = {}) {
  const host = start({ ...CONFIG, ...config });
  const shadow = host.shadowRoot!;
  const $ = <E extends Element = HTMLElement>(selector: string) => shadow.querySelector<E>(selector);
  const ask = (question: string) => {
    $<HTMLButtonElement>(".launcher")!.click();
    $<HTMLTextAreaElement>("textarea")!.value = question;
    $<HTMLFormElement>("form")!.requestSubmit();
  };
  return { host, shadow, $, ask };
}

describe("the widget", () => {
  it("opens from the bubble and streams steps, the answer and its sources", async () => {
    const stream = controlledStream();
    fetchMock.mockResolvedValueOnce(stream.response);
    const { $, ask } = mount();
    expect($(".panel")!.hidden).toBe(true);
    ask("How long is the warranty?");
    expect($(".panel")!.hidden).toBe(false);
    expect($(".launcher")!.getAttribute("aria-expanded")).toBe("true");
    expect($(".msg.user")!.textContent).toBe("How long is the warranty?");

    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("https://askwell.example/api/v1/chat/stream");
    expect(init.credentials).toBe("omit"); // the key authorizes, never the visitor's cookies
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer ak_widget");
    expect(JSON.parse(init.body as string)).toMatchObject({
      message: "How long is the warranty?",
      assistant_id: "as_1",
      history: [],
    });

    const step = { type: "step", step_id: "s1", parent_id: null, sequence: 1, label: "Searching the handbook" };
    stream.send({ ...step, status: "running" });
    await waitFor(() => expect($(".steps li")?.textContent).toBe("Searching the handbook"));
    expect($(".steps li")!.className).toBe("running");
    stream.send({ ...step, status: "done" });
    stream.send({
      type: "sources",
      sources: [{ id: "c1", name: "handbook.pdf", type: "document", content: "36 months", metadata: { page: 2 } }],
    });
    stream.send({ type: "token", content: "The warranty is " });
    await waitFor(() => expect($(".answer")!.textContent?.trim()).toBe("The warranty is"));
    expect($<HTMLButtonElement>("form button")!.disabled).toBe(true); // one question at a time
    stream.send({ type: "token", content: "**36 months** [1]." });
    stream.close();

    await waitFor(() => expect($<HTMLButtonElement>("form button")!.disabled).toBe(false));
    expect($(".steps li")!.className).toBe("done");
    expect($(".answer strong")!.textContent).toBe("36 months");
    expect($(".answer a.cite")!.dataset.cite).toBe("1");
    expect($(".sources summary")!.textContent).toBe("1 source");
    expect($(".sources .name")!.textContent).toBe("[1] handbook.pdf (p. 2)");
    expect($(".sources .text")!.textContent).toBe("36 months");

    // A citation opens its source, and the next turn carries this one as history.
    $<HTMLAnchorElement>("a.cite")!.click();
    expect($<HTMLDetailsElement>(".sources")!.open).toBe(true);
    fetchMock.mockResolvedValueOnce(controlledStream().response);
    $<HTMLTextAreaElement>("textarea")!.value = "And after that?";
    $<HTMLFormElement>("form")!.requestSubmit();
    const second = JSON.parse((fetchMock.mock.calls[1] as [string, RequestInit])[1].body as string);
    expect(second.history).toEqual([
      { role: "user", content: "How long is the warranty?" },
      { role: "assistant", content: "The warranty is **36 months** [1]." },
    ]);
  });

  it("shows HTML in an answer, a source and a question as text", async () => {
    const stream = controlledStream();
    fetchMock.mockResolvedValueOnce(stream.response);
    const { $, shadow, ask } = mount();
    ask("<b>bold?</b>");
    stream.send({
      type: "sources",
      sources: [{ id: "c1", name: "<img src=x onerror=alert(1)>", type: "document", content: "<script>x()</script>" }],
    });
    stream.send({ type: "token", content: 'Hi <img src=x onerror="alert(1)"><script>alert(2)</script>' });
    stream.close();
    await waitFor(() => expect($<HTMLButtonElement>("form button")!.disabled).toBe(false));

    expect($(".answer")!.textContent).toContain('<img src=x onerror="alert(1)"><script>alert(2)</script>');
    expect($(".msg.user")!.textContent).toBe("<b>bold?</b>");
    expect($(".sources .name")!.textContent).toBe("[1] <img src=x onerror=alert(1)>");
    expect(shadow.querySelectorAll("img, script, b").length).toBe(0);
  });

  it("says the site is not allowed when the preflight was refused", async () => {
    // A refused preflight: the browser's fetch rejects with no response to read.
    fetchMock.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    fetchMock.mockResolvedValueOnce(json({ origin: "https://shop.example", allowed: false }));
    const { $, ask } = mount();
    ask("hello");
    await waitFor(() =>
      expect($('[role="alert"]')?.textContent).toBe("This website is not allowed to use this assistant."),
    );
    expect(fetchMock.mock.calls[1][0]).toBe("https://askwell.example/api/v1/widget/origin");
    expect($(".msg.bot")).toBeNull(); // no empty answer bubble is left behind
  });

  it("says the server cannot be reached when the origin is allowed or the check fails too", async () => {
    fetchMock.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    fetchMock.mockResolvedValueOnce(json({ origin: "https://shop.example", allowed: true }));
    const { $, shadow, ask } = mount();
    ask("hello");
    const unreachable = "The assistant cannot be reached from this page right now.";
    await waitFor(() => expect($('[role="alert"]')?.textContent).toBe(unreachable));

    fetchMock.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    fetchMock.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    $<HTMLTextAreaElement>("textarea")!.value = "again";
    $<HTMLFormElement>("form")!.requestSubmit();
    await waitFor(() => expect(shadow.querySelectorAll('[role="alert"]').length).toBe(2));
    expect(shadow.querySelectorAll('[role="alert"]')[1].textContent).toBe(unreachable);
  });

  it("keeps the server's own message for a refusal it could read", async () => {
    fetchMock.mockResolvedValueOnce(json({ detail: "Invalid API key", code: "api_key_revoked" }, 401));
    const { $, ask } = mount();
    ask("hello");
    await waitFor(() => expect($('[role="alert"]')?.textContent).toBe("This chat has been turned off."));
    expect(fetchMock).toHaveBeenCalledTimes(1); // a readable refusal needs no origin check
  });

  it("takes its theme from data-theme, and auto follows the system", () => {
    expect(mount({ theme: "dark" }).$(".root")!.classList.contains("dark")).toBe(true);
    expect(mount({ theme: "light" }).$(".root")!.classList.contains("dark")).toBe(false);
    const prefersDark = vi.fn().mockReturnValue({ matches: true, addEventListener: vi.fn() });
    vi.stubGlobal("matchMedia", prefersDark);
    expect(mount({ theme: "auto" }).$(".root")!.classList.contains("dark")).toBe(true);
    expect(prefersDark).toHaveBeenCalledWith("(prefers-color-scheme: dark)");
    expect(mount({ title: "Ask the shop" }).$("header span")!.textContent).toBe("Ask the shop");
  });
});
