import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ApiKey, Assistant } from "../api/types";
import { ApiKeysAdmin } from "./ApiKeysAdmin";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const ASSISTANTS = [
  { id: "a-1", name: "Support desk" },
  { id: "a-2", name: "Finance" },
] as Assistant[];

const KEY: ApiKey = {
  id: "k-1",
  name: "helpdesk bot",
  kind: "server",
  prefix: "3f9c0a1b2c3d",
  assistant_ids: ["a-1"],
  actions: ["chat"],
  expires_at: null,
  created_at: "2026-12-01T10:00:00Z",
  revoked_at: null,
  usage: { requests: 12, prompt_tokens: 400, completion_tokens: 80, last_used_at: "2026-12-02T10:00:00Z" },
};

function server() {
  let keys: ApiKey[] = [KEY];
  const bodies: unknown[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? "GET";
    if (url === "/api/v1/assistants") return json(ASSISTANTS);
    if (url === "/api/v1/api-keys" && method === "GET") return json(keys);
    if (url === "/api/v1/api-keys" && method === "POST") {
      const body = JSON.parse(String(init.body));
      bodies.push(body);
      const created = { ...KEY, ...body, id: "k-2", prefix: "aaaaaaaaaaaa", revoked_at: null };
      created.usage = { requests: 0, prompt_tokens: 0, completion_tokens: 0, last_used_at: null };
      keys = [created, ...keys];
      return json({ ...created, key: "ak_aaaaaaaaaaaa_the-secret" }, 201);
    }
    if (url === "/api/v1/api-keys/k-1/revoke" && method === "POST") {
      keys = keys.map((k) => (k.id === "k-1" ? { ...k, revoked_at: "2026-12-03T10:00:00Z" } : k));
      return json(keys.find((k) => k.id === "k-1"));
    }
    return json({ detail: "Not Found", code: "not_found" }, 404);
  });
  vi.stubGlobal("fetch", fetch);
  return { bodies };
}

afterEach(() => vi.unstubAllGlobals());

describe("ApiKeysAdmin", () => {
  it("lists keys with their scope, usage and status, never a secret", async () => {
    server();
    render(<ApiKeysAdmin />);
    const table = await screen.findByRole("table");
    const row = within(table).getAllByRole("row")[1];
    expect(within(row).getByText("helpdesk bot")).toBeTruthy();
    expect(within(row).getByText("ak_3f9c0a1b2c3d_…")).toBeTruthy();
    await waitFor(() => expect(within(row).getByText("Support desk")).toBeTruthy());
    expect(within(row).getByText("12 requests")).toBeTruthy();
    expect(within(row).getByText(/480 tokens/)).toBeTruthy();
    expect(within(row).getByText("Active")).toBeTruthy();
  });

  it("creates a key scoped to the chosen assistants and shows its secret once", async () => {
    const { bodies } = server();
    render(<ApiKeysAdmin />);
    await screen.findByRole("table");
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "finance export" } });
    fireEvent.click(await screen.findByLabelText("Finance"));
    fireEvent.click(screen.getByLabelText("Search"));
    fireEvent.click(screen.getByRole("button", { name: "Create key" }));
    expect((await screen.findByTestId("new-key-secret")).textContent).toBe("ak_aaaaaaaaaaaa_the-secret");
    expect(bodies).toEqual([
      { name: "finance export", kind: "server", assistant_ids: ["a-2"], actions: ["chat", "search"], expires_at: null },
    ]);
    fireEvent.click(screen.getByRole("button", { name: "I have copied it" }));
    expect(screen.queryByTestId("new-key-secret")).toBeNull();
    expect(await screen.findByRole("button", { name: "Revoke finance export" })).toBeTruthy();
  });

  it("refuses a key without an assistant before asking the server", async () => {
    const { bodies } = server();
    render(<ApiKeysAdmin />);
    await screen.findByRole("table");
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "nothing" } });
    fireEvent.click(screen.getByRole("button", { name: "Create key" }));
    expect(await screen.findByText("Choose at least one assistant.")).toBeTruthy();
    expect(bodies).toEqual([]);
  });

  it("revokes a key", async () => {
    server();
    render(<ApiKeysAdmin />);
    fireEvent.click(await screen.findByRole("button", { name: "Revoke helpdesk bot" }));
    expect(await screen.findByText("Revoked")).toBeTruthy();
    expect(screen.getByText(/is revoked: its next request is refused/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Revoke helpdesk bot" })).toBeNull();
  });
});
