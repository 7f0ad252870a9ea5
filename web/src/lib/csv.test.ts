// @vitest-environment node
import { describe, expect, it } from "vitest";
import { compareCells, toCsv } from "./csv";

describe("toCsv", () => {
  it("quotes what needs quoting and neutralises formulas", () => {
    const csv = toCsv(["name", "note"], [["a,b", 'say "hi"'], ["=cmd()", null], [-3, "line\nbreak"]]);
    expect(csv).toBe('name,note\r\n"a,b","say ""hi"""\r\n\'=cmd(),\r\n-3,"line\nbreak"\r\n');
  });
});

describe("compareCells", () => {
  it("sorts numbers numerically, text naturally, nulls last", () => {
    expect([10, 9, null, 100].sort(compareCells)).toEqual([9, 10, 100, null]);
    expect(["item10", "item9"].sort(compareCells)).toEqual(["item9", "item10"]);
  });
});
