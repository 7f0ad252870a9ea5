import { fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Connector } from "../api/types";
import { SqlConnectorForm } from "./SqlConnectorForm";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const CONNECTOR: Connector = {
  id: "c1",
  assistant_id: "a1",
  type: "sql",
  name: "Shop",
  config: { tables: ["sales"], dialect: "sqlite" },
  created_at: "2024-01-01T00:00:00Z",
};

afterEach(() => vi.unstubAllGlobals());

describe("SqlConnectorForm", () => {
  it("queues a schema snapshot with Refresh schema", async () => {
    const fetch = vi.fn(async () => json({ job_id: "j1" }, 202));
    vi.stubGlobal("fetch", fetch);
    render(<SqlConnectorForm assistantId="a1" connector={CONNECTOR} onSaved={() => {}} />);
    fireEvent.click(screen.getByRole("button", { name: "Refresh schema" }));
    expect(await screen.findByText("Schema snapshot queued.")).toBeTruthy();
    expect(fetch).toHaveBeenCalledWith("/api/v1/connectors/c1/refresh", expect.objectContaining({ method: "POST" }));
  });

  it("says so when a snapshot is already on its way, and shows a failure", async () => {
    const answers = [json({ job_id: null }, 202), json({ detail: "Connector not found", code: "not_found" }, 404)];
    vi.stubGlobal("fetch", vi.fn(async () => answers.shift()!));
    render(<SqlConnectorForm assistantId="a1" connector={CONNECTOR} onSaved={() => {}} />);
    const button = screen.getByRole("button", { name: "Refresh schema" });
    fireEvent.click(button);
    expect(await screen.findByText("A schema snapshot is already queued.")).toBeTruthy();
    fireEvent.click(button);
    expect((await screen.findByRole("alert")).textContent).toBe("Connector not found");
  });

  it("offers no refresh before the connector is saved", () => {
    render(<SqlConnectorForm assistantId="a1" connector={null} onSaved={() => {}} />);
    expect(screen.queryByRole("button", { name: "Refresh schema" })).toBeNull();
  });
});
