import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { StepNode } from "../lib/steps";
import { StepTimeline } from "./StepTimeline";

const steps = (status: StepNode["status"]): StepNode[] => [
  { id: "r", parentId: null, sequence: 1, label: "Searching documents", status, metadata: { duration_ms: 1200 } },
  { id: "k", parentId: "r", sequence: 2, label: "Keyword search", status, metadata: { is_substep: true, duration_ms: 40 } },
  { id: "g", parentId: null, sequence: 3, label: "Generating answer", status: "running", metadata: {} },
];

describe("StepTimeline", () => {
  it("is open while streaming, with nested sub-steps and live status", () => {
    render(<StepTimeline steps={steps("running")} streaming />);
    expect(screen.getByText("Searching documents")).toBeTruthy();
    expect(screen.getByText("Keyword search")).toBeTruthy(); // a running parent shows its sub-steps
    expect(screen.getAllByText("running").length).toBeGreaterThan(0);
    expect(screen.getByRole("button", { expanded: true, name: /Generating answer…/ })).toBeTruthy();
  });

  it("collapses to a summary with the total duration when done, and opens on demand", () => {
    const done = steps("done").map((s) => ({ ...s, status: "done" as const }));
    render(<StepTimeline steps={done} streaming={false} />);
    const toggle = screen.getByRole("button", { name: /3 steps · 1\.2 s/ });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(screen.queryByText("Searching documents")).toBeNull();
    fireEvent.click(toggle);
    expect(screen.getByText("Searching documents")).toBeTruthy();
    expect(screen.getByText("1.2 s")).toBeTruthy();
    // Finished sub-steps stay folded until asked for.
    expect(screen.queryByText("Keyword search")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: /Show 1 sub-steps of Searching documents/ }));
    expect(screen.getByText("Keyword search")).toBeTruthy();
    expect(screen.getByText("40 ms")).toBeTruthy();
  });

  it("says when a step failed", () => {
    const failed: StepNode[] = [{ id: "g", parentId: null, sequence: 1, label: "Generating", status: "error", metadata: {} }];
    render(<StepTimeline steps={failed} streaming={false} />);
    expect(screen.getByRole("button", { name: /with errors/ })).toBeTruthy();
  });

  it("shows why a step failed, what a repair changed and the SQL a try wrote", () => {
    const sqlSteps: StepNode[] = [
      { id: "w", parentId: null, sequence: 1, label: "Writing SQL", status: "running", metadata: {} },
      { id: "s0", parentId: "w", sequence: 2, label: "generate", status: "done", metadata: { sql: "SELECT a.Title FROM Artist a" } },
      { id: "v0", parentId: "w", sequence: 3, label: "validate", status: "error", metadata: { error: "no such column: a.Title" } },
      { id: "v1", parentId: "w", sequence: 4, label: "validate", status: "done", metadata: { repaired: ["a.Title -> al.Title"], tables: ["Album"] } },
    ];
    render(<StepTimeline steps={sqlSteps} streaming />);
    expect(screen.getByText("SELECT a.Title FROM Artist a")).toBeTruthy();
    expect(screen.getByText("no such column: a.Title")).toBeTruthy();
    expect(screen.getByText("repaired a.Title -> al.Title")).toBeTruthy();
  });
});
