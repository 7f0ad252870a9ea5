import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DocumentsConnector } from "./DocumentsConnector";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** An XHR that reports half the upload, then answers like the server. */
class FakeXhr {
  static sent: string[] = [];
  upload: { onprogress?: (e: { lengthComputable: boolean; loaded: number; total: number }) => void } = {};
  onload?: () => void;
  onerror?: () => void;
  onabort?: () => void;
  status = 0;
  responseText = "";
  open() {}
  setRequestHeader() {}
  abort() {}
  send(form: FormData) {
    const file = form.get("files") as File;
    FakeXhr.sent.push(file.name);
    setTimeout(() => this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 }), 0);
    setTimeout(() => {
      if (file.name.endsWith(".exe")) {
        this.status = 415;
        this.responseText = JSON.stringify({ detail: "Unsupported file type .exe", code: "unsupported_media_type" });
      } else {
        this.status = 202;
        this.responseText = JSON.stringify([{ id: `d-${file.name}`, name: file.name, status: "queued" }]);
      }
      this.onload?.();
    }, 20);
  }
}

afterEach(() => vi.unstubAllGlobals());

describe("DocumentsConnector", () => {
  it("uploads each file with its own progress, polls until ready, and shows failures", async () => {
    FakeXhr.sent = [];
    let listed = false;
    let phase: "embedding" | "ready" = "embedding";
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        if (!listed) {
          listed = true;
          return json([]);
        }
        const done = phase === "ready";
        return json([
          { id: "d-guide.pdf", name: "guide.pdf", status: done ? "ready" : "embedding", progress: done ? 1 : 0.5, error: null, pages: 4, chunks: done ? 12 : 0 },
          { id: "d-scan.pdf", name: "scan.pdf", status: "failed", progress: 0, error: "no text found (a scanned PDF?)", pages: 2, chunks: 0 },
        ]);
      }),
    );
    render(<DocumentsConnector connector={{ id: "c1", assistant_id: "a", type: "documents", name: "Manuals", config: {}, created_at: "2024-01-01T00:00:00Z" }} />);
    const input = screen.getByLabelText("Files to add to Manuals");
    const files = ["guide.pdf", "scan.pdf", "virus.exe"].map((n) => new File(["x"], n));
    fireEvent.change(input, { target: { files } });

    const list = screen.getByRole("list", { name: "Documents in Manuals" });
    expect(await within(list).findByLabelText("Uploading guide.pdf")).toBeTruthy();
    expect((await within(list).findByText("Unsupported file type .exe")).textContent).toBeTruthy();
    expect(FakeXhr.sent.sort()).toEqual(["guide.pdf", "scan.pdf", "virus.exe"]);

    await waitFor(() => expect(within(list).getByText("Indexing")).toBeTruthy());
    expect(within(list).getByLabelText("guide.pdf: Indexing")).toBeTruthy(); // its progress bar
    expect(within(list).getByText("no text found (a scanned PDF?)")).toBeTruthy();
    phase = "ready"; // the next poll (one second later) sees it
    await waitFor(() => expect(within(list).getByText("Ready")).toBeTruthy(), { timeout: 4000 });
    expect(within(list).getByText("12 passages")).toBeTruthy();
    expect(screen.getByText("2 documents, 1 ready")).toBeTruthy();
  });
});
