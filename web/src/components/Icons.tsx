// Inline SVG icons (nothing fetched). Decorative: hidden from assistive technology.
import type { ReactNode, SVGProps } from "react";

function Svg({ children, size = 16, ...rest }: SVGProps<SVGSVGElement> & { size?: number; children: ReactNode }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      {...rest}
    >
      {children}
    </svg>
  );
}

type P = { size?: number; className?: string };

export const IconCheck = (p: P) => <Svg {...p}><path d="M20 6 9 17l-5-5" /></Svg>;
export const IconX = (p: P) => <Svg {...p}><path d="M18 6 6 18M6 6l12 12" /></Svg>;
export const IconSpinner = (p: P) => (
  <Svg {...p} className={`spin ${p.className ?? ""}`}>
    <path d="M21 12a9 9 0 1 1-6.2-8.6" />
  </Svg>
);
export const IconChevron = (p: P & { open?: boolean }) => (
  <Svg {...p} className={`chevron ${p.open ? "open" : ""}`}><path d="m9 6 6 6-6 6" /></Svg>
);
export const IconPlus = (p: P) => <Svg {...p}><path d="M12 5v14M5 12h14" /></Svg>;
export const IconSend = (p: P) => <Svg {...p}><path d="M22 2 11 13M22 2l-7 20-4-9-9-4z" /></Svg>;
export const IconStop = (p: P) => <Svg {...p}><rect x="6" y="6" width="12" height="12" rx="1" /></Svg>;
export const IconRetry = (p: P) => <Svg {...p}><path d="M3 12a9 9 0 1 0 3-6.7L3 8" /><path d="M3 3v5h5" /></Svg>;
export const IconTrash = (p: P) => (
  <Svg {...p}><path d="M3 6h18M8 6V4h8v2M6 6l1 14h10l1-14" /></Svg>
);
export const IconEdit = (p: P) => <Svg {...p}><path d="M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z" /></Svg>;
export const IconCopy = (p: P) => (
  <Svg {...p}><rect x="9" y="9" width="13" height="13" rx="2" /><path d="M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1" /></Svg>
);
export const IconDownload = (p: P) => <Svg {...p}><path d="M12 3v12M7 10l5 5 5-5M5 21h14" /></Svg>;
export const IconSun = (p: P) => (
  <Svg {...p}><circle cx="12" cy="12" r="4" /><path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" /></Svg>
);
export const IconMoon = (p: P) => <Svg {...p}><path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z" /></Svg>;
export const IconMenu = (p: P) => <Svg {...p}><path d="M3 6h18M3 12h18M3 18h18" /></Svg>;
export const IconBook = (p: P) => (
  <Svg {...p}><path d="M4 19.5A2.5 2.5 0 0 1 6.5 17H20V3H6.5A2.5 2.5 0 0 0 4 5.5z" /><path d="M4 19.5A2.5 2.5 0 0 0 6.5 22H20v-5" /></Svg>
);
export const IconUpload = (p: P) => <Svg {...p}><path d="M12 21V9M7 14l5-5 5 5M5 3h14" /></Svg>;
export const IconDatabase = (p: P) => (
  <Svg {...p}><ellipse cx="12" cy="5" rx="8" ry="3" /><path d="M4 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3" /></Svg>
);
export const IconThumbUp = (p: P) => (
  <Svg {...p}><path d="M7 10v11M7 10l4-8a2.5 2.5 0 0 1 2.5 2.5V9h5.6a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 17.7 21H7M7 10H4a1 1 0 0 0-1 1v9a1 1 0 0 0 1 1h3" /></Svg>
);
export const IconThumbDown = (p: P) => (
  <Svg {...p}><path d="M17 14V3M17 14l-4 8a2.5 2.5 0 0 1-2.5-2.5V15H4.9a2 2 0 0 1-2-2.3l1.4-8A2 2 0 0 1 6.3 3H17M17 14h3a1 1 0 0 0 1-1V4a1 1 0 0 0-1-1h-3" /></Svg>
);

const FILE_COLOURS: Record<string, string> = {
  pdf: "#c5221f",
  docx: "#1a5fb4",
  doc: "#1a5fb4",
  txt: "#5e5c64",
  md: "#26a269",
  html: "#c64600",
  htm: "#c64600",
  sql: "#613583",
  csv: "#1c7c54",
};

/** A file-type badge: a page with the type's short name. */
export function FileTypeIcon({ type, size = 28 }: { type: string; size?: number }) {
  const t = (type || "file").toLowerCase();
  if (t === "sql") return <IconDatabase size={size * 0.8} className="filetype sql" />;
  const label = t.slice(0, 4).toUpperCase();
  return (
    <svg width={size} height={size} viewBox="0 0 28 28" aria-hidden="true" focusable="false" className="filetype">
      <path d="M6 2h11l6 6v17a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1z" fill="var(--surface-2)" stroke="var(--border-strong)" />
      <rect x="2" y="13" width="22" height="10" rx="2" fill={FILE_COLOURS[t] ?? "#5e5c64"} />
      <text x="13" y="20.5" textAnchor="middle" fontSize="7" fontWeight="700" fill="#fff" fontFamily="sans-serif">
        {label}
      </text>
    </svg>
  );
}
