// Times as the admin pages show them: "2 min ago", with the exact time kept for a title.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A length of time, coarse on purpose: "under a minute", "5 min", "2 h 10 min", "3 d". */
export function duration(ms: number): string {
  const span = Math.max(0, ms);
  if (span < MINUTE) return "under a minute";
  if (span < HOUR) return `${Math.floor(span / MINUTE)} min`;
  if (span < DAY) {
    const hours = Math.floor(span / HOUR);
    const minutes = Math.floor((span % HOUR) / MINUTE);
    return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  }
  return `${Math.floor(span / DAY)} d`;
}

/** How long before `now` (or after it, for a time still to come): "just now", "2 min ago", "in 30 s". */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const delta = now - Date.parse(iso);
  if (Number.isNaN(delta)) return iso;
  const span = Math.abs(delta);
  let text: string;
  if (span < 10 * SECOND) return "just now";
  if (span < MINUTE) text = `${Math.floor(span / SECOND)} s`;
  else if (span < HOUR) text = `${Math.floor(span / MINUTE)} min`;
  else if (span < DAY) text = `${Math.floor(span / HOUR)} h`;
  else text = `${Math.floor(span / DAY)} d`;
  return delta >= 0 ? `${text} ago` : `in ${text}`;
}

/** The exact local time, e.g. for a `title`. */
export function exactTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
