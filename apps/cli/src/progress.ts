/** What the progress line shows, read each time it is drawn. */
export interface ProgressState {
  bytesRead: number;
  totalBytes: number;
  /** Events with an outcome so far (accepted, rejected, …). */
  events: number;
  retries: number;
  /** Some batch is waiting out a 429/503 or a backoff right now. */
  waiting: boolean;
}

export type ProgressMode = "tty" | "plain" | "off";

export interface ProgressOutput {
  write(text: string): unknown;
  /** The terminal's width; 0 or absent (a pseudo-terminal without a size) means 80. */
  columns?: number;
}

/** A TTY gets one line redrawn in place; a log file a plain line every couple of seconds. */
const TTY_INTERVAL_MS = 250;
const PLAIN_INTERVAL_MS = 2000;
/** Rates are measured over the last few seconds, so the ETA follows a slowdown (429s) instead of averaging it away. */
const RATE_WINDOW_MS = 10_000;

/** Draws progress on stderr until `stop`; never keeps the process alive. */
export function startProgress(mode: ProgressMode, out: ProgressOutput, state: () => ProgressState, clock: () => number = Date.now): { stop(): void } {
  if (mode === "off") return { stop() {} };
  const rates = new RateMeter(clock);
  const draw = () => {
    const s = state();
    const { bytesPerSecond, eventsPerSecond } = rates.sample(s.bytesRead, s.events);
    const line = formatProgress(s, bytesPerSecond, eventsPerSecond);
    if (mode === "plain") out.write(`${line}\n`);
    else out.write(`\r${fit(line, (out.columns || 80) - 1)}\x1b[K`);
  };
  const timer = setInterval(draw, mode === "tty" ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      // Leave the bar's final state on its own line, so the summary starts on a fresh one.
      if (mode === "tty") {
        draw();
        out.write("\n");
      }
    },
  };
}

/** `[#####·····]  48% 12.0/25.0 MB  4,800 events  1,600 events/s  ETA 8s` (plus `waiting` while throttled). */
export function formatProgress(s: ProgressState, bytesPerSecond: number, eventsPerSecond: number): string {
  const fraction = s.totalBytes > 0 ? Math.min(1, s.bytesRead / s.totalBytes) : 1;
  // Narrow enough that the whole line fits 80 columns even at a million events.
  const width = 10;
  const filled = Math.round(fraction * width);
  const bar = `[${"#".repeat(filled)}${"·".repeat(width - filled)}]`;
  const eta = bytesPerSecond > 0 ? formatSeconds((s.totalBytes - s.bytesRead) / bytesPerSecond) : "?";
  const parts = [
    `${bar} ${String(Math.floor(fraction * 100)).padStart(3)}% ${mb(s.bytesRead)}/${mb(s.totalBytes)} MB`,
    `${s.events.toLocaleString("en-US")} events`,
    `${Math.round(eventsPerSecond).toLocaleString("en-US")} events/s`,
    `ETA ${eta}`,
  ];
  if (s.retries > 0) parts.push(`${s.retries.toLocaleString("en-US")} retries`);
  if (s.waiting) parts.push("waiting to retry");
  return parts.join("  ");
}

/** 75 → "1m15s", 3700 → "1h01m". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function mb(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1);
}

function fit(line: string, columns: number): string {
  return line.length <= columns ? line : line.slice(0, Math.max(0, columns));
}

/** Rates over a sliding window of samples. */
class RateMeter {
  private readonly samples: { at: number; bytes: number; events: number }[] = [];

  constructor(private readonly clock: () => number) {
    this.samples.push({ at: clock(), bytes: 0, events: 0 });
  }

  sample(bytes: number, events: number): { bytesPerSecond: number; eventsPerSecond: number } {
    const now = this.clock();
    this.samples.push({ at: now, bytes, events });
    while (this.samples.length > 2 && now - this.samples[1]!.at >= RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (now - first.at) / 1000;
    if (seconds <= 0) return { bytesPerSecond: 0, eventsPerSecond: 0 };
    return { bytesPerSecond: (bytes - first.bytes) / seconds, eventsPerSecond: (events - first.events) / seconds };
  }
}
