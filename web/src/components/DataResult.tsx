import { useId, useState } from "react";
import type { TableResult, Visualization } from "../api/types";
import { vizToTable } from "../lib/viz";
import { Chart } from "./Chart";
import { CopyButton } from "./CopyButton";
import { DataTable } from "./DataTable";
import { IconChevron } from "./Icons";

function SqlBlock({ sql }: { sql: string }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <div className="sql-block">
      <div className="sql-head">
        <button type="button" className="link-button" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
          <IconChevron open={open} size={14} /> SQL query
        </button>
        <CopyButton text={sql} label="Copy SQL" />
      </div>
      {open && (
        <pre id={id} className="code" tabIndex={0}>
          <code>{sql}</code>
        </pre>
      )}
    </div>
  );
}

interface Props {
  sql?: string;
  table?: TableResult;
  visualization?: Visualization;
}

/** The data part of an answer: the SQL, then the chart (switchable to the table) or the table. */
export function DataResult({ sql, table, visualization }: Props) {
  const [view, setView] = useState<"chart" | "table">("chart");
  const data = table ?? (visualization ? vizToTable(visualization) : null);
  if (!sql && !data && !visualization) return null;
  const title = visualization?.title || "Query result";
  return (
    <section className="data-result" aria-label="Data">
      {sql && <SqlBlock sql={sql} />}
      {visualization && (
        <div className="view-switch" role="group" aria-label="Show the data as">
          <button type="button" className="seg" aria-pressed={view === "chart"} onClick={() => setView("chart")}>
            Chart
          </button>
          <button type="button" className="seg" aria-pressed={view === "table"} onClick={() => setView("table")}>
            Table
          </button>
        </div>
      )}
      {visualization && view === "chart" ? (
        <figure className="chart-figure">
          <figcaption>{title}</figcaption>
          <Chart visualization={visualization} />
        </figure>
      ) : (
        data && <DataTable table={data} caption={title} fileName={`${slug(title)}.csv`} />
      )}
    </section>
  );
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "result";
}
