// The contract's Visualization (ApexCharts' chart types, renderer-independent) -> what the
// app draws: ApexCharts options, KPI cards, or the same data as a table.
import type { TableResult, Visualization } from "../api/types";

const CARTESIAN = new Set(["bar", "line", "area"]);
const PIE_LIKE = new Set(["pie", "donut", "polarArea", "radialBar"]);

export type VizPlan =
  | { kind: "chart"; type: string; options: Record<string, unknown> }
  | { kind: "kpi"; items: { label: string; value: number | null }[] }
  | { kind: "invalid"; reason: string };

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const numOrNull = (v: unknown): number | null => (isNum(v) ? v : null);

export function formatNumber(value: number | null | undefined, compact = false, locale?: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return new Intl.NumberFormat(locale, {
    notation: compact && Math.abs(value) >= 10_000 ? "compact" : "standard",
    maximumFractionDigits: Math.abs(value) < 1 ? 4 : 2,
    // "min2": 2023 stays 2023 (years, codes), 12345 becomes 12,345.
    useGrouping: "min2" as unknown as boolean, // ES2023 option; TypeScript's lib lags
  }).format(value);
}

interface Named {
  name?: string;
  data: unknown[];
}

function cartesianSeries(viz: Visualization): Named[] | null {
  const series = viz.series as unknown[];
  if (!Array.isArray(series) || series.length === 0) return null;
  if (series.every(isNum)) return [{ name: viz.title || "Value", data: series }]; // tolerate a bare list
  if (!series.every((s) => s && typeof s === "object" && Array.isArray((s as Named).data))) return null;
  return series as Named[];
}

export function planVisualization(viz: Visualization, theme: "light" | "dark"): VizPlan {
  if (!viz || typeof viz !== "object") return { kind: "invalid", reason: "No visualization" };
  const type = String(viz.viz_type);
  const base = {
    chart: {
      type,
      height: 320,
      background: "transparent",
      fontFamily: "inherit",
      toolbar: { show: false },
      animations: { enabled: false },
      redrawOnParentResize: true,
    },
    theme: { mode: theme, palette: "palette1" },
    legend: { position: "bottom" },
    grid: { borderColor: theme === "dark" ? "#2e343e" : "#e3e6ea" },
    dataLabels: { enabled: false },
    tooltip: { theme, y: { formatter: (v: number) => formatNumber(v) } },
    noData: { text: "No data" },
  };
  if (CARTESIAN.has(type)) {
    const series = cartesianSeries(viz);
    if (!series) return { kind: "invalid", reason: "The chart has no series" };
    return {
      kind: "chart",
      type,
      options: {
        ...base,
        series: series.map((s, i) => ({ name: s.name ?? `Series ${i + 1}`, data: s.data.map(numOrNull) })),
        xaxis: { categories: (viz.categories ?? []).map(String), labels: { trim: true, hideOverlappingLabels: true } },
        yaxis: { labels: { formatter: (v: number) => formatNumber(v, true) } },
        stroke: { width: type === "bar" ? 0 : 2, curve: "smooth" },
        fill: { opacity: type === "area" ? 0.35 : 1 },
        plotOptions: { bar: { borderRadius: 3, columnWidth: "60%" } },
      },
    };
  }
  if (PIE_LIKE.has(type)) {
    const series = viz.series as unknown[];
    if (!Array.isArray(series) || !series.every(isNum)) {
      return { kind: "invalid", reason: "A pie-like chart needs a list of numbers" };
    }
    return {
      kind: "chart",
      type,
      options: {
        ...base,
        series,
        labels: (viz.labels ?? series.map((_, i) => `#${i + 1}`)).map(String),
        dataLabels: { enabled: type !== "radialBar" },
        stroke: { width: 1 },
      },
    };
  }
  if (type === "treemap") {
    const series = viz.series as unknown[];
    const ok =
      Array.isArray(series) &&
      series.length > 0 &&
      series.every((s) => s && typeof s === "object" && Array.isArray((s as Named).data));
    if (!ok) return { kind: "invalid", reason: "A treemap needs series of {x, y} points" };
    return {
      kind: "chart",
      type,
      options: {
        ...base,
        series: (series as Named[]).map((s, i) => ({
          name: s.name ?? `Series ${i + 1}`,
          data: s.data.map((p) => {
            const point = (p ?? {}) as { x?: unknown; y?: unknown };
            return { x: String(point.x ?? ""), y: numOrNull(point.y) };
          }),
        })),
        dataLabels: { enabled: true },
        legend: { show: (series as Named[]).length > 1 },
      },
    };
  }
  if (type === "kpi") {
    const series = (Array.isArray(viz.series) ? viz.series : []) as unknown[];
    if (series.length === 0) return { kind: "invalid", reason: "A KPI needs a value" };
    return {
      kind: "kpi",
      items: series.map((v, i) => ({ label: viz.labels?.[i] ?? viz.title ?? "Value", value: numOrNull(v) })),
    };
  }
  return { kind: "invalid", reason: `Unknown chart type "${type}"` };
}

/** The chart's data as a table, for the chart/table switch. */
export function vizToTable(viz: Visualization): TableResult | null {
  const type = String(viz.viz_type);
  let columns: string[] = [];
  let rows: unknown[][] = [];
  if (CARTESIAN.has(type)) {
    const series = cartesianSeries(viz);
    if (!series) return null;
    const categories = viz.categories ?? [];
    const length = Math.max(categories.length, ...series.map((s) => s.data.length));
    columns = ["", ...series.map((s, i) => s.name ?? `Series ${i + 1}`)];
    rows = Array.from({ length }, (_, r) => [categories[r] ?? r + 1, ...series.map((s) => s.data[r] ?? null)]);
  } else if (PIE_LIKE.has(type) || type === "kpi") {
    const series = (Array.isArray(viz.series) ? viz.series : []) as unknown[];
    columns = ["Label", "Value"];
    rows = series.map((v, i) => [viz.labels?.[i] ?? `#${i + 1}`, v]);
  } else if (type === "treemap") {
    const series = (Array.isArray(viz.series) ? viz.series : []) as Named[];
    columns = series.length > 1 ? ["Series", "Item", "Value"] : ["Item", "Value"];
    rows = series.flatMap((s) =>
      (s.data ?? []).map((p) => {
        const point = (p ?? {}) as { x?: unknown; y?: unknown };
        return series.length > 1 ? [s.name ?? "", point.x, point.y] : [point.x, point.y];
      }),
    );
  } else {
    return null;
  }
  return { columns, rows, row_count: rows.length, truncated: false };
}
