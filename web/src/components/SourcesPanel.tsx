import { useEffect, useMemo, useRef } from "react";
import type { Source } from "../api/types";
import { citedTerms, highlightSegments } from "../lib/highlight";
import { FileTypeIcon, IconX } from "./Icons";

interface Props {
  sources: Source[];
  answer: string;
  active: number | null;
  onClose: () => void;
}

function describe(source: Source): string[] {
  const parts: string[] = [];
  const page = source.metadata?.page;
  if (page !== undefined && page !== null && String(page) !== "") parts.push(`page ${page}`);
  const score = source.metadata?.score;
  if (typeof score === "number" && Number.isFinite(score)) parts.push(`score ${score.toFixed(3)}`);
  return parts;
}

/** The passages an answer may cite, numbered as in the answer; cited words highlighted. */
export function SourcesPanel({ sources, answer, active, onClose }: Props) {
  const terms = useMemo(() => citedTerms(answer), [answer]);
  const listRef = useRef<HTMLOListElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const target = active ? listRef.current?.querySelector<HTMLElement>(`#source-${active}`) : null;
    if (target) {
      target.scrollIntoView?.({ block: "nearest", behavior: "smooth" });
      target.focus({ preventScroll: true });
    } else {
      headingRef.current?.focus();
    }
  }, [active, sources]);

  return (
    <aside className="sources-panel" aria-labelledby="sources-heading">
      <div className="panel-header">
        <h2 id="sources-heading" tabIndex={-1} ref={headingRef}>
          Sources <span className="count">{sources.length}</span>
        </h2>
        <button type="button" className="icon-button" onClick={onClose}>
          <IconX />
          <span className="visually-hidden">Close sources</span>
        </button>
      </div>
      {sources.length === 0 ? (
        <p className="muted">This answer has no sources.</p>
      ) : (
        <ol className="source-list" ref={listRef}>
          {sources.map((source, index) => {
            const n = index + 1;
            const segments = highlightSegments(source.content ?? "", terms.get(n));
            const cited = terms.has(n);
            return (
              <li
                key={`${source.id}-${n}`}
                id={`source-${n}`}
                tabIndex={-1}
                className={`source${active === n ? " active" : ""}${cited ? " cited" : ""}`}
                aria-label={`Source ${n}: ${source.name}`}
              >
                <div className="source-head">
                  <span className="source-number">{n}</span>
                  <FileTypeIcon type={source.type} />
                  <div className="source-title">
                    <span className="source-name" title={source.name}>
                      {source.name}
                    </span>
                    <span className="source-meta">
                      {[source.type?.toUpperCase(), ...describe(source)].filter(Boolean).join(" · ")}
                      {cited && <span className="badge">cited</span>}
                    </span>
                  </div>
                </div>
                <blockquote className="passage">
                  {segments.map((s, i) => (s.mark ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}
                </blockquote>
              </li>
            );
          })}
        </ol>
      )}
    </aside>
  );
}
