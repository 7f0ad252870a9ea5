import { useMemo, type MouseEvent } from "react";
import { renderMarkdown } from "../lib/markdown";

interface Props {
  text: string;
  sourceCount: number;
  onCite?: (n: number) => void;
  streaming?: boolean;
}

/** Answer text as Markdown. markdown-it escapes raw HTML, so nothing from the answer runs. */
export function Markdown({ text, sourceCount, onCite, streaming }: Props) {
  const html = useMemo(() => renderMarkdown(text, sourceCount), [text, sourceCount]);
  // Citation links are rendered inside the HTML; one delegated handler serves them all.
  const handleClick = (event: MouseEvent<HTMLDivElement>) => {
    const link = (event.target as Element).closest?.("a.cite") as HTMLAnchorElement | null;
    if (!link || !onCite) return;
    event.preventDefault();
    onCite(Number(link.dataset.cite));
  };
  return (
    <div
      className={`markdown${streaming ? " streaming" : ""}`}
      onClick={handleClick}
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
