import { exactCount } from "@tally/shared/http";
import { z } from "zod";
import { freshnessFields } from "../freshness.js";
import { digits, hourInstant, pageParams, single } from "../params.js";

/** `GET /v1/stats/messages` query: `[from, to)` on whole hours, optional filters, a page. */
export const messagesStatsQuery = z
  .object({
    from: hourInstant,
    to: hourInstant,
    customerId: digits().optional(),
    type: single.max(128, { error: "must be at most 128 characters" }).optional(),
    ...pageParams,
  })
  .refine((q) => q.to > q.from, { path: ["to"], message: "must be after from" });

export type MessagesStatsQuery = z.output<typeof messagesStatsQuery>;

/** The answer: one item per customer and type with messages in `[from, to)`. */
export const messagesStatsResponse = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  items: z.array(
    z.object({
      customerId: z.int().min(0),
      type: z.string(),
      count: exactCount,
      totalAmount: z.string().regex(/^\d+\.\d{3}$/).meta({ description: "exact, always 3 decimals" }),
    }),
  ),
  total: z.int().min(0),
  page: z.int().min(1),
  size: z.int().min(1),
  ...freshnessFields,
});
