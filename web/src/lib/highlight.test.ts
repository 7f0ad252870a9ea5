// @vitest-environment node
import { describe, expect, it } from "vitest";
import { citedTerms, highlightSegments } from "./highlight";

describe("citedTerms", () => {
  it("collects the words of each sentence citing a source", () => {
    const terms = citedTerms("Zebras have black stripes [1]. The savanna is dry [2]. Hello.");
    expect([...(terms.get(1) ?? [])]).toEqual(expect.arrayContaining(["zebras", "black", "stripes"]));
    expect(terms.get(1)?.has("savanna")).toBe(false);
    expect([...(terms.get(2) ?? [])]).toEqual(expect.arrayContaining(["savanna", "dry"]));
  });

  it("gives a citation standing alone to the sentence before it", () => {
    const terms = citedTerms("Invoices are due in thirty days. [3]");
    expect(terms.get(3)?.has("invoices")).toBe(true);
  });
});

describe("highlightSegments", () => {
  it("marks cited words (plurals too) and joins neighbours into one phrase", () => {
    const segments = highlightSegments("A zebra has black stripes, they say.", new Set(["zebras", "black", "stripes"]));
    expect(segments.filter((s) => s.mark).map((s) => s.text)).toEqual(["zebra", "black stripes"]);
    expect(segments.map((s) => s.text).join("")).toBe("A zebra has black stripes, they say.");
  });

  it("returns the passage whole when nothing is cited", () => {
    expect(highlightSegments("text", undefined)).toEqual([{ text: "text", mark: false }]);
  });
});
