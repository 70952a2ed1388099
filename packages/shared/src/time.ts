/**
 * Durations in milliseconds, for arithmetic on epoch milliseconds. Messages are dated, and rolled up, to
 * the quarter hour of their acceptance; counters to their minute and hour.
 */
export const MINUTE_MS = 60_000;
/** The messages rollup's grid: every zone's offset in use today is a whole number of quarter hours. */
export const QUARTER_HOUR_MS = 900_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
