import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setToken } from "../api/client";
import { captureDownloads } from "../test/downloads";
import { ConversationExport } from "./ConversationExport";

const FILES: Record<string, [string, string, string]> = {
  markdown: ["text/markdown", "conversation-s-1.md", "# Refunds\n\n**You:** How long?"],
  json: ["application/json", "conversation-s-1.json", '{"session_id": "s-1"}'],
};

function server() {
  const requests: { url: string; authorization: string | null }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      requests.push({ url, authorization: new Headers(init.headers).get("Authorization") });
      const format = new URL(url, "http://x").searchParams.get("format") ?? "markdown";
      const [type, name, body] = FILES[format];
      return new Response(body, {
        headers: { "content-type": type, "content-disposition": `attachment; filename="${name}"` },
      });
    }),
  );
  return requests;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("ConversationExport", () => {
  it("fetches the conversation in the chosen format with the token and saves it under the server's name", async () => {
    setToken({ access_token: "tok", token_type: "bearer", expires_in: 3600 });
    const requests = server();
    const saved = captureDownloads();
    render(<ConversationExport sessionId="s-1" disabled={false} />);

    fireEvent.click(screen.getByRole("button", { name: "Export" }));
    fireEvent.click(screen.getByRole("button", { name: "Markdown" }));
    await waitFor(() => expect(saved).toHaveLength(1));
    fireEvent.click(screen.getByRole("button", { name: "Export" }));
    fireEvent.click(screen.getByRole("button", { name: "JSON" }));
    await waitFor(() => expect(saved).toHaveLength(2));

    expect(requests).toEqual([
      { url: "/api/v1/chat/s-1/export?format=markdown", authorization: "Bearer tok" },
      { url: "/api/v1/chat/s-1/export?format=json", authorization: "Bearer tok" },
    ]);
    expect(saved.map((f) => f.name)).toEqual(["conversation-s-1.md", "conversation-s-1.json"]);
    expect(await saved[0].blob.text()).toContain("**You:** How long?");
  });

  it("says why an export failed", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response(JSON.stringify({ detail: "Session not found", code: "not_found" }), { status: 404 })),
    );
    render(<ConversationExport sessionId="s-1" disabled={false} />);
    fireEvent.click(screen.getByRole("button", { name: "Export" }));
    fireEvent.click(screen.getByRole("button", { name: "JSON" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Session not found");
  });

  it("cannot be opened for a conversation with no messages", () => {
    render(<ConversationExport sessionId="s-1" disabled />);
    expect((screen.getByRole("button", { name: "Export" }) as HTMLButtonElement).disabled).toBe(true);
  });
});
