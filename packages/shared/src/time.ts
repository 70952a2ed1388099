/**
 * Durations in milliseconds, for arithmetic on epoch milliseconds. Messages are dated, and rolled up, to
 * the UTC hour of their acceptance; counters to their minute and hour.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
