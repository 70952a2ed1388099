import { HOUR_MS, MINUTE_MS } from "@tally/shared/time";

export type WindowKind = "minute" | "hour";

export const WINDOW_MS: Record<WindowKind, number> = { minute: MINUTE_MS, hour: HOUR_MS };

/**
 * The last window that has ended by `now`: at 14:54:30 the minute is 14:53:00–14:54:00 and the hour
 * 13:00:00–14:00:00 (UTC). At exactly 14:54:00 the minute 14:53 has just ended, so it is that one.
 */
export function lastCompleteWindowStart(kind: WindowKind, now: number): number {
  const length = WINDOW_MS[kind];
  return Math.floor(now / length) * length - length;
}
