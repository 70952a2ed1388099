const numbers = new Intl.NumberFormat("en");

export const formatCount = (n: number) => numbers.format(n);

const pad = (n: number) => String(n).padStart(2, "0");

/** `14:53` (UTC). */
export const hhmm = (iso: string) => {
  const d = new Date(iso);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
};

/** `14:53:07` (UTC). */
export const hhmmss = (iso: string) => `${hhmm(iso)}:${pad(new Date(iso).getUTCSeconds())}`;

/** `2026-11-23 14:53–14:54 UTC`. */
export const windowText = (start: string, end: string) => `${start.slice(0, 10)} ${hhmm(start)}–${hhmm(end)} UTC`;

/** `850 ms`, `4.2 s`, `3 min 5 s`, `2 h 10 min`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
