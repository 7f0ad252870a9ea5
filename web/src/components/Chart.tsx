import { useEffect, useMemo, useRef, useState } from "react";
import type { Visualization } from "../api/types";
import { useTheme } from "../lib/theme";
import { formatNumber, planVisualization } from "../lib/viz";

/** A visualization drawn with ApexCharts (loaded on first use), or KPI cards. */
export function Chart({ visualization }: { visualization: Visualization }) {
  const { theme } = useTheme();
  const plan = useMemo(() => planVisualization(visualization, theme), [visualization, theme]);
  const ref = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    if (plan.kind !== "chart" || !ref.current) return;
    let chart: { render: () => Promise<void>; destroy: () => void } | null = null;
    let cancelled = false;
    const element = ref.current;
    import("apexcharts")
      .then(({ default: ApexCharts }) => {
        if (cancelled) return;
        chart = new ApexCharts(element, plan.options);
        return chart.render();
      })
      .catch((e: unknown) => !cancelled && setFailed(e instanceof Error ? e.message : String(e)));
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [plan]);

  const title = visualization.title || "Chart";
  if (plan.kind === "invalid" || failed) {
    return (
      <p className="muted" role="note">
        The chart cannot be drawn: {failed ?? (plan.kind === "invalid" ? plan.reason : "")}. The table shows its data.
      </p>
    );
  }
  if (plan.kind === "kpi") {
    return (
      <div className="kpis" role="group" aria-label={title}>
        {plan.items.map((item, i) => (
          <div className="kpi" key={i}>
            <span className="kpi-value">{formatNumber(item.value)}</span>
            <span className="kpi-label">{item.label}</span>
          </div>
        ))}
      </div>
    );
  }
  return <div className={`chart chart-${plan.type}`} ref={ref} role="img" aria-label={`${title} (${plan.type} chart)`} />;
}
