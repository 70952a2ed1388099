import { exactCount } from "@tally/shared/http";
import { z } from "zod";
import { freshnessFields } from "../freshness.js";
import { digits, pageParams, quarterInstant, single } from "../params.js";
import { decodeMessagesCursor, queryDigest } from "./messages-cursor.js";
import { isZoneName, MAX_BUCKETS } from "./zone-buckets.js";

const WINDOWS = ["hour", "day", "month"] as const;

/**
 * `GET /v1/stats/messages` query: `[from, to)` on the quarter-hour grid, optional filters, optionally
 * split into the hours, days or months of a time zone, and a page (by number or by cursor).
 */
export const messagesStatsQuery = z
  .object({
    from: quarterInstant,
    to: quarterInstant,
    customerId: digits().optional(),
    type: single.max(128, { error: "must be at most 128 characters" }).optional(),
    // An enum straight away (not `single` first), so that the OpenAPI document and the client list the values.
    window: z
      .enum(WINDOWS, { error: "must be hour, day or month, given once" })
      .optional()
      .meta({ description: `splits [from, to) into the hours, days or months of \`tz\` (at most ${MAX_BUCKETS.toLocaleString("en")} buckets)` }),
    tz: single
      .refine(isZoneName, { error: "must be an IANA time zone name such as Europe/Lisbon, Asia/Kolkata or UTC" })
      .optional()
      .meta({ description: "the zone whose calendar `window` follows, daylight saving included; UTC by default; only with `window`" }),
    ...pageParams,
    cursor: single
      .transform((text, ctx) => {
        const cursor = decodeMessagesCursor(text);
        if (!cursor) ctx.addIssue({ code: "custom", message: "is not a cursor this API handed out" });
        return cursor ?? z.NEVER;
      })
      .optional()
      .meta({ description: "the `nextCursor` of the previous page of the same query; not with `page`" }),
  })
  .superRefine((q, ctx) => {
    if (q.to <= q.from) ctx.addIssue({ code: "custom", path: ["to"], message: "must be after from" });
    // A zone without a window would change nothing: more likely a forgotten window than a wish.
    if (q.tz !== undefined && q.window === undefined) ctx.addIssue({ code: "custom", path: ["tz"], message: "needs a window (hour, day or month)" });
    if (q.cursor && q.page !== undefined) ctx.addIssue({ code: "custom", path: ["cursor"], message: "cannot be combined with page" });
    if (q.cursor && q.cursor.query !== digestOf(q)) ctx.addIssue({ code: "custom", path: ["cursor"], message: "belongs to another query" });
  });

export type MessagesStatsQuery = z.output<typeof messagesStatsQuery>;

/** The zone a windowed query follows. */
export const zoneOf = (q: Pick<MessagesStatsQuery, "tz">): string => q.tz ?? "UTC";

/** What a cursor of this query is bound to: everything but the page. */
export function digestOf(q: Omit<MessagesStatsQuery, "cursor" | "page" | "size">): string {
  return queryDigest([q.from.getTime(), q.to.getTime(), q.customerId, q.type, q.window, q.window && zoneOf(q)]);
}

/** The answer: one item per customer and type (and bucket, with a window) with messages in `[from, to)`. */
export const messagesStatsResponse = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  window: z.enum(WINDOWS).optional().meta({ description: "as asked; absent without a window" }),
  tz: z.string().optional().meta({ description: "the zone the buckets follow, as asked (UTC by default); absent without a window" }),
  items: z.array(
    z.object({
      customerId: z.int().min(0),
      type: z.string(),
      start: z.iso.datetime().optional().meta({ description: "with a window: where the bucket starts, or from if it started before" }),
      end: z.iso.datetime().optional().meta({ description: "with a window: where the bucket ends, or to if it ends after; the sums cover [start, end)" }),
      count: exactCount,
      totalAmount: z.string().regex(/^\d+\.\d{3}$/).meta({ description: "exact, always 3 decimals" }),
    }),
  ),
  total: z.int().min(0).meta({ description: "items of the whole answer, every page" }),
  page: z.int().min(1).optional().meta({ description: "absent when reading by cursor" }),
  size: z.int().min(1),
  nextCursor: z.string().nullable().meta({ description: "where the next page starts (pass it as `cursor`); null on the last page" }),
  ...freshnessFields,
});
