import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { SourcesPanel } from "./SourcesPanel";

describe("SourcesPanel", () => {
  it("lists each source with name, type, page and score, and marks the cited words", () => {
    render(
      <SourcesPanel
        sources={[
          { id: "1", name: "zebras.pdf", type: "pdf", content: "The zebra has black and white stripes.", metadata: { page: 2, score: 0.8123 } },
          { id: "2", name: "notes.md", type: "md", content: "Unrelated text.", metadata: {} },
        ]}
        answer="Zebras have stripes [1]."
        active={1}
        onClose={vi.fn()}
      />,
    );
    const first = screen.getByRole("listitem", { name: "Source 1: zebras.pdf" });
    expect(first.textContent).toContain("page 2");
    expect(first.textContent).toContain("score 0.812");
    expect([...first.querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["zebra", "stripes"]);
    expect(first.className).toContain("active");
    expect(document.activeElement).toBe(first);
    const second = screen.getByRole("listitem", { name: "Source 2: notes.md" });
    expect(second.querySelector("mark")).toBeNull();
  });
});
