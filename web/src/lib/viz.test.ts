// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { Visualization } from "../api/types";
import { formatNumber, planVisualization, vizToTable } from "./viz";

const cartesian = (viz_type: string): Visualization => ({
  viz_type,
  title: "Sales",
  series: [
    { name: "2023", data: [1, 2, 3] },
    { name: "2024", data: [2, 3, 4] },
  ],
  categories: ["north", "south", "east"],
});
const pieLike = (viz_type: string): Visualization => ({ viz_type, title: "Share", series: [30, 70], labels: ["a", "b"] });

describe("planVisualization", () => {
  it.each(["bar", "line", "area"])("draws %s charts with series and categories", (type) => {
    const plan = planVisualization(cartesian(type), "light");
    expect(plan.kind).toBe("chart");
    if (plan.kind !== "chart") return;
    expect(plan.options.chart).toMatchObject({ type });
    expect(plan.options.series).toEqual([
      { name: "2023", data: [1, 2, 3] },
      { name: "2024", data: [2, 3, 4] },
    ]);
    expect(plan.options.xaxis).toMatchObject({ categories: ["north", "south", "east"] });
  });

  it.each(["pie", "donut", "polarArea", "radialBar"])("draws %s charts with numbers and labels", (type) => {
    const plan = planVisualization(pieLike(type), "dark");
    expect(plan.kind).toBe("chart");
    if (plan.kind !== "chart") return;
    expect(plan.options.series).toEqual([30, 70]);
    expect(plan.options.labels).toEqual(["a", "b"]);
    expect(plan.options.theme).toMatchObject({ mode: "dark" });
  });

  it("draws treemaps from {x, y} points", () => {
    const plan = planVisualization(
      { viz_type: "treemap", title: "T", series: [{ name: "s", data: [{ x: "a", y: 3 }, { x: "b", y: 1 }] }] },
      "light",
    );
    expect(plan.kind).toBe("chart");
    if (plan.kind === "chart") expect(plan.options.series).toEqual([{ name: "s", data: [{ x: "a", y: 3 }, { x: "b", y: 1 }] }]);
  });

  it("shows KPIs as cards", () => {
    const plan = planVisualization({ viz_type: "kpi", title: "Revenue", series: [1234.5], labels: ["Revenue"] }, "light");
    expect(plan).toEqual({ kind: "kpi", items: [{ label: "Revenue", value: 1234.5 }] });
  });

  it("reports what cannot be drawn instead of throwing", () => {
    expect(planVisualization({ viz_type: "pie", series: [{ name: "x", data: [1] }] } as Visualization, "light").kind).toBe("invalid");
    expect(planVisualization({ viz_type: "sankey", series: [] }, "light")).toMatchObject({ kind: "invalid" });
    expect(planVisualization({ viz_type: "bar", series: [] }, "light").kind).toBe("invalid");
  });
});

describe("formatNumber", () => {
  it("groups thousands only from five digits, keeps decimals short, compacts axis labels", () => {
    expect(formatNumber(2023, false, "en-US")).toBe("2023");
    expect(formatNumber(12345.678, false, "en-US")).toBe("12,345.68");
    expect(formatNumber(0.12345, false, "en-US")).toBe("0.1235");
    expect(formatNumber(1_250_000, true, "en-US")).toBe("1.25M");
    expect(formatNumber(null)).toBe("–");
  });
});

describe("vizToTable", () => {
  it("turns every chart kind into rows", () => {
    expect(vizToTable(cartesian("bar"))).toMatchObject({
      columns: ["", "2023", "2024"],
      rows: [["north", 1, 2], ["south", 2, 3], ["east", 3, 4]],
    });
    expect(vizToTable(pieLike("donut"))?.rows).toEqual([["a", 30], ["b", 70]]);
    expect(vizToTable({ viz_type: "treemap", series: [{ data: [{ x: "a", y: 3 }] }] })?.rows).toEqual([["a", 3]]);
    expect(vizToTable({ viz_type: "kpi", series: [5], labels: ["n"] })?.rows).toEqual([["n", 5]]);
  });
});
