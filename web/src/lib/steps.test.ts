// @vitest-environment node
import { describe, expect, it } from "vitest";
import { buildTree, formatDuration } from "./steps";

describe("buildTree", () => {
  it("nests sub-steps under their parent, sorted by sequence; orphans become roots", () => {
    const tree = buildTree([
      { id: "b", parentId: null, sequence: 3, label: "B", status: "done", metadata: {} },
      { id: "a2", parentId: "a", sequence: 2, label: "A2", status: "done", metadata: {} },
      { id: "a", parentId: null, sequence: 1, label: "A", status: "done", metadata: {} },
      { id: "x", parentId: "missing", sequence: 0, label: "X", status: "error", metadata: {} },
    ]);
    expect(tree.map((n) => n.id)).toEqual(["x", "a", "b"]);
    expect(tree[1].children.map((n) => n.id)).toEqual(["a2"]);
  });
});

describe("formatDuration", () => {
  it("prints ms under a second, seconds above", () => {
    expect(formatDuration(12.4)).toBe("12 ms");
    expect(formatDuration(1530)).toBe("1.5 s");
    expect(formatDuration(undefined)).toBe("");
  });
});
