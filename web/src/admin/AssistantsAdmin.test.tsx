import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AssistantsAdmin } from "./AssistantsAdmin";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const MODELS = {
  default: "local:qwen2.5-coder-1.5b",
  providers: ["local", "scripted", "openai"],
  models: [
    { name: "local:qwen2.5-coder-1.5b", title: "Qwen2.5 Coder 1.5B", provider: "local", installed: false, licence: "Apache-2.0", notes: "" },
    { name: "scripted:echo", title: "Scripted (echo), for tests", provider: "scripted", installed: true, licence: null, notes: "" },
    { name: "openai:<model>", title: "OpenAI-compatible server", provider: "openai", installed: true, licence: null, notes: "" },
  ],
};

afterEach(() => vi.unstubAllGlobals());

describe("AssistantsAdmin", () => {
  it("creates an assistant with a model from the catalogue and its retrieval settings", async () => {
    const created: unknown[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit = {}) => {
        if (url === "/api/v1/models") return json(MODELS);
        if (url === "/api/v1/assistants" && init.method === "POST") {
          created.push(JSON.parse(String(init.body)));
          return json({ id: "new", created_at: "2024-01-01", ...(created[0] as object) }, 201);
        }
        if (url === "/api/v1/assistants") return json([]);
        return json({ detail: "Not Found", code: "not_found" }, 404);
      }),
    );
    render(<AssistantsAdmin />);
    fireEvent.click(await screen.findByRole("button", { name: "New assistant" }));
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Helpdesk" } });
    const model = screen.getByLabelText("Model") as HTMLSelectElement;
    await waitFor(() => expect(model.options.length).toBe(4)); // default + 2 catalogued + other
    expect(model.options[0].textContent).toBe("Server default (local:qwen2.5-coder-1.5b)");
    expect(model.options[1].textContent).toContain("(not installed)");
    fireEvent.change(model, { target: { value: "scripted:echo" } });
    fireEvent.change(screen.getByLabelText("Answer language"), { target: { value: "fr" } });
    fireEvent.click(screen.getByLabelText("Only logged-in users may chat with this assistant"));
    fireEvent.change(screen.getByLabelText("Passages per answer (top k)"), { target: { value: "8" } });
    fireEvent.click(screen.getByRole("button", { name: "Create assistant" }));
    await screen.findByText("Saved “Helpdesk”.", { selector: ".notice" });
    expect(created).toEqual([
      {
        name: "Helpdesk",
        description: "",
        system_prompt: "",
        model: "scripted:echo",
        language: "fr",
        user_authentication: true,
        retrieval: { top_k: 8, keyword_weight: 1, vector_weight: 1.5, fusion: "scores", rerank_candidates: 20 },
      },
    ]);
  });

  it("shows the server's validation message", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit = {}) => {
        if (url === "/api/v1/models") return json(MODELS);
        if (init.method === "POST") {
          return json({ detail: "An assistant named Helpdesk already exists", code: "conflict" }, 409);
        }
        return json([]);
      }),
    );
    render(<AssistantsAdmin />);
    fireEvent.click(await screen.findByRole("button", { name: "New assistant" }));
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Helpdesk" } });
    fireEvent.click(screen.getByRole("button", { name: "Create assistant" }));
    expect((await screen.findByRole("alert")).textContent).toBe("An assistant named Helpdesk already exists");
  });
});
