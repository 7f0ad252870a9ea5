import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Job, QueueStatus } from "../api/types";
import { JobsAdmin } from "./JobsAdmin";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const MINUTE = 60_000;

function job(fields: Partial<Job> & Pick<Job, "id" | "task" | "state">): Job {
  return {
    key: `key-${fields.id}`,
    payload: {},
    attempts: 1,
    max_attempts: 5,
    last_error: null,
    worker: null,
    created_at: ago(10 * MINUTE),
    started_at: null,
    finished_at: null,
    run_after: ago(10 * MINUTE),
    heartbeat_at: null,
    ...fields,
  };
}

const FAILED = job({
  id: "j-failed",
  task: "ingest_document",
  key: "doc-1",
  state: "failed",
  attempts: 1,
  max_attempts: 5,
  last_error: "no text found in the file",
  created_at: ago(2 * MINUTE + 5000),
  started_at: ago(MINUTE + 30_000),
  finished_at: ago(30_000),
});
const RUNNING = job({ id: "j-running", task: "refresh_schema", key: "conn-1", state: "running", started_at: ago(5000) });
const DONE = job({ id: "j-done", task: "rebuild_index", key: "all", state: "done", finished_at: ago(3 * MINUTE) });

const QUEUE: QueueStatus = {
  backend: "redis",
  counts: { queued: 3, running: 1, done: 12, failed: 4 },
  oldest_queued_at: ago(5 * MINUTE + 10_000),
  failed_last_hour: 2,
};

interface Call {
  method: string;
  url: string;
}

/** A fetch answering like the jobs API; `retry` decides what a retry answers. */
function server(retry: (id: string) => Response | Promise<Response> = (id) => json({ ...FAILED, id, state: "queued", attempts: 0, last_error: null, finished_at: null })) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? "GET";
    calls.push({ method, url });
    if (url === "/api/v1/jobs/queue") return json(QUEUE);
    const retried = url.match(/^\/api\/v1\/jobs\/([^/]+)\/retry$/);
    if (retried && method === "POST") return retry(retried[1]);
    if (url.startsWith("/api/v1/jobs")) {
      const state = new URL(url, "http://x").searchParams.get("state");
      return json([FAILED, RUNNING, DONE].filter((j) => !state || j.state === state));
    }
    return json({ detail: "Not Found", code: "not_found" }, 404);
  });
  vi.stubGlobal("fetch", fetch);
  return { calls, fetch };
}

const listCalls = (calls: Call[]) => calls.filter((c) => c.method === "GET" && c.url.startsWith("/api/v1/jobs?"));

afterEach(() => {
  vi.unstubAllGlobals();
  window.history.replaceState(null, "", "/");
});

describe("JobsAdmin", () => {
  it("summarises the queue and lists jobs in words, failed ones with their reason", async () => {
    server();
    render(<JobsAdmin />);
    const summary = (await screen.findByText("Queue back-end")).closest("[aria-live]") as HTMLElement;
    expect(summary.getAttribute("aria-live")).toBe("polite");
    const value = (label: string) => within(summary).getByText(label).nextElementSibling?.textContent;
    expect(value("Queued")).toBe("3");
    expect(value("Running")).toBe("1");
    expect(value("Failed in the last hour")).toBe("2");
    expect(within(summary).getByText("4 failed in all")).toBeTruthy();
    expect(value("Oldest queued job waiting")).toBe("5 min");
    expect(value("Queue back-end")).toBe("Redis");

    const table = await screen.findByRole("table");
    const headers = within(table).getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual(["Task", "Works on", "State", "Attempts", "Last error", "Times", "Actions"]);
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.getAttribute("data-state"))).toEqual(["failed", "running", "done"]);
    const [failed, running, done] = rows;
    expect(within(failed).getByText("Ingest document")).toBeTruthy();
    expect(within(failed).getByText("doc-1")).toBeTruthy();
    expect(within(failed).getByText("1/5")).toBeTruthy();
    expect(within(failed).getByText("no text found in the file").className).toContain("error-text");
    const created = within(failed).getByText("2 min ago");
    expect(created.tagName).toBe("TIME");
    expect(created.getAttribute("title")).toBe(new Date(FAILED.created_at).toLocaleString());
    expect(within(failed).getByText("1 min ago")).toBeTruthy(); // started
    expect(within(failed).getByText("30 s ago")).toBeTruthy(); // finished
    expect(within(failed).getByRole("button", { name: "Retry Ingest document doc-1" })).toBeTruthy();
    expect(within(running).getByText("Schema snapshot")).toBeTruthy();
    expect(within(running).queryByRole("button")).toBeNull();
    expect(within(done).getByText("rebuild_index")).toBeTruthy(); // an unknown task keeps its name
  });

  it("filters by state, in the request and the address", async () => {
    const { calls } = server();
    render(<JobsAdmin />);
    await screen.findByRole("table");
    const filter = screen.getByLabelText("Show") as HTMLSelectElement;
    expect([...filter.options].map((o) => o.textContent)).toEqual(["All jobs", "Queued", "Running", "Failed", "Done"]);
    fireEvent.change(filter, { target: { value: "failed" } });
    await waitFor(() => expect(listCalls(calls).at(-1)?.url).toBe("/api/v1/jobs?state=failed&limit=50"));
    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(2));
    expect(window.location.search).toBe("?state=failed");
    expect(filter.value).toBe("failed");

    fireEvent.change(filter, { target: { value: "queued" } });
    expect(await screen.findByText("No queued jobs.")).toBeTruthy();
    fireEvent.change(filter, { target: { value: "" } });
    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(4));
    expect(listCalls(calls).at(-1)?.url).toBe("/api/v1/jobs?limit=50");
  });

  it("retries a failed job: busy while it runs, then a notice", async () => {
    let answer: (r: Response) => void = () => {};
    const { calls } = server(() => new Promise<Response>((resolve) => (answer = resolve)));
    render(<JobsAdmin />);
    const button = await screen.findByRole("button", { name: "Retry Ingest document doc-1" });
    fireEvent.click(button);
    await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(true));
    expect(button.textContent).toContain("Retrying…");
    expect(calls.filter((c) => c.method === "POST").map((c) => c.url)).toEqual(["/api/v1/jobs/j-failed/retry"]);
    await act(async () => answer(json({ ...FAILED, state: "queued", attempts: 0, last_error: null })));
    expect(await screen.findByText("Ingest document queued again.", { selector: ".notice" })).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows the server's reason when the job is no longer failed (409)", async () => {
    const { calls } = server(() =>
      json({ detail: "Only a failed job can be retried; this one is running", code: "job_not_failed" }, 409),
    );
    render(<JobsAdmin />);
    const button = await screen.findByRole("button", { name: "Retry Ingest document doc-1" });
    const lists = listCalls(calls).length;
    fireEvent.click(button);
    expect((await screen.findByRole("alert")).textContent).toBe("Only a failed job can be retried; this one is running");
    expect(document.querySelector(".notice")).toBeNull();
    await waitFor(() => expect(listCalls(calls).length).toBe(lists + 1)); // reloaded, to show what it is now
    expect((screen.getByRole("button", { name: "Retry Ingest document doc-1" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("polls while shown, pauses while the page is hidden, and stops when it unmounts", async () => {
    const { calls } = server();
    const { unmount } = render(<JobsAdmin pollMs={20} />);
    await waitFor(() => expect(listCalls(calls).length).toBeGreaterThanOrEqual(3));

    const visibility = vi.spyOn(document, "hidden", "get").mockReturnValue(true);
    document.dispatchEvent(new Event("visibilitychange"));
    await new Promise((r) => setTimeout(r, 40)); // a tick in flight may still end
    const hidden = calls.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(calls.length).toBe(hidden);

    visibility.mockReturnValue(false);
    document.dispatchEvent(new Event("visibilitychange"));
    await waitFor(() => expect(calls.length).toBeGreaterThan(hidden));

    unmount();
    await new Promise((r) => setTimeout(r, 40));
    const stopped = calls.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(calls.length).toBe(stopped);
  });
});
