import { useMemo, useState } from "react";
import type { TableResult } from "../api/types";
import { compareCells, downloadText, toCsv } from "../lib/csv";
import { formatNumber } from "../lib/viz";
import { IconDownload } from "./Icons";

const PAGE_SIZES = [10, 25, 50];

function display(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

interface Props {
  table: TableResult;
  caption: string;
  fileName?: string;
}

/** A result table: sortable columns, pages, CSV download of all rows. */
export function DataTable({ table, caption, fileName = "result.csv" }: Props) {
  const [sort, setSort] = useState<{ column: number; direction: 1 | -1 } | null>(null);
  const [page, setPage] = useState(0);
  const [pageSize, setPageSize] = useState(PAGE_SIZES[0]);

  const rows = useMemo(() => {
    if (!sort) return table.rows;
    return [...table.rows].sort((a, b) => compareCells(a[sort.column], b[sort.column]) * sort.direction);
  }, [table.rows, sort]);

  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  const current = Math.min(page, pages - 1);
  const visible = rows.slice(current * pageSize, (current + 1) * pageSize);
  const numeric = table.columns.map((_, c) => table.rows.length > 0 && table.rows.every((r) => r[c] === null || typeof r[c] === "number"));

  const toggleSort = (column: number) => {
    setSort((s) => (s?.column === column ? (s.direction === 1 ? { column, direction: -1 } : null) : { column, direction: 1 }));
    setPage(0);
  };

  return (
    <div className="data-table">
      <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
        <table>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {table.columns.map((column, c) => {
                const direction = sort?.column === c ? sort.direction : 0;
                return (
                  <th
                    key={c}
                    scope="col"
                    aria-sort={direction === 1 ? "ascending" : direction === -1 ? "descending" : "none"}
                    className={numeric[c] ? "num" : undefined}
                  >
                    <button type="button" className="sort-button" onClick={() => toggleSort(c)}>
                      {column || <span className="visually-hidden">Column {c + 1}</span>}
                      <span aria-hidden="true" className="sort-mark">
                        {direction === 1 ? "▲" : direction === -1 ? "▼" : "↕"}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {visible.map((row, r) => (
              <tr key={current * pageSize + r}>
                {table.columns.map((_, c) => (
                  <td key={c} className={numeric[c] ? "num" : undefined}>
                    {display(row[c])}
                  </td>
                ))}
              </tr>
            ))}
            {visible.length === 0 && (
              <tr>
                <td colSpan={Math.max(1, table.columns.length)} className="muted">
                  No rows
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="table-footer">
        <span className="muted" aria-live="polite">
          {rows.length ? `Rows ${current * pageSize + 1}–${Math.min(rows.length, (current + 1) * pageSize)} of ${rows.length}` : "0 rows"}
          {table.truncated ? ` (the query returned ${table.row_count}; the rest were cut)` : ""}
        </span>
        <div className="table-actions">
          <label className="inline-label">
            <span>Rows per page</span>
            <select
              value={pageSize}
              onChange={(e) => {
                setPageSize(Number(e.target.value));
                setPage(0);
              }}
            >
              {PAGE_SIZES.map((size) => (
                <option key={size} value={size}>
                  {size}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="button small"
            aria-label="Previous page"
            disabled={current === 0}
            onClick={() => setPage(current - 1)}
          >
            Previous
          </button>
          <button
            type="button"
            className="button small"
            aria-label="Next page"
            disabled={current >= pages - 1}
            onClick={() => setPage(current + 1)}
          >
            Next
          </button>
          <button
            type="button"
            className="button small"
            aria-label="Download CSV"
            onClick={() => downloadText(fileName, toCsv(table.columns, rows))}
          >
            <IconDownload size={14} /> CSV
          </button>
        </div>
      </div>
    </div>
  );
}
