import { isStorableText, STORABLE_TEXT } from "@tally/shared/schemas";
import { z } from "zod";
import { QUARTER_HOUR_MS } from "@tally/shared/time";

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO-8601 date (`2026-11-23`) or date-time (`2026-11-23T14:00:00Z`, with or without seconds,
 * fraction or offset; no offset means UTC) as epoch milliseconds, or undefined if it is not one
 * or names a day that does not exist.
 */
export function parseIsoInstant(text: string): number | undefined {
  const m = ISO_INSTANT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "0", zone] = m;
  // Milliseconds are the finest a Date holds: a finer non-zero fraction is not on any grid we use.
  if (/[1-9]/.test(frac.slice(3))) return undefined;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  const utc = Date.UTC(...parts, Number(frac.slice(0, 3).padEnd(3, "0")));
  const back = new Date(utc);
  const exists =
    back.getUTCFullYear() === parts[0] && back.getUTCMonth() === parts[1] && back.getUTCDate() === parts[2] && parts[3] < 24 && parts[4] < 60 && parts[5] < 60;
  if (!exists) return undefined;
  return utc - zoneOffsetMs(zone);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/**
 * A query parameter given once, as a string; `?a=1&a=2` is an error rather than a silent pick, and so
 * is text Postgres cannot take as a parameter.
 */
export const single = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be given once") })
  .refine(isStorableText, { error: STORABLE_TEXT });

/** An instant on the messages rollup's grid (a quarter hour: :00, :15, :30 or :45 UTC), as a Date. */
export const quarterInstant = single.transform((text, ctx) => {
  const ms = parseIsoInstant(text);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: "must be an ISO-8601 date or date-time such as 2026-11-23T14:00:00Z" });
    return z.NEVER;
  }
  if (ms % QUARTER_HOUR_MS !== 0) {
    ctx.addIssue({ code: "custom", message: "must be on a quarter hour (minutes :00, :15, :30 or :45, no seconds)" });
    return z.NEVER;
  }
  return new Date(ms);
});

/** A non-negative safe integer written in decimal digits. */
export const digits = (max = Number.MAX_SAFE_INTEGER) =>
  single.regex(/^\d{1,16}$/, { error: "must be a non-negative integer" }).transform(Number).pipe(
    z.number().max(max, { error: `must be at most ${max}` }),
  );

/** `page` (1 when absent; optional so that it can be told apart from a cursor) and `size`. */
export const pageParams = {
  page: digits().pipe(z.number().min(1, { error: "must be 1 or more" })).optional(),
  size: digits(1000).pipe(z.number().min(1, { error: "must be between 1 and 1000" })).default(50),
};
