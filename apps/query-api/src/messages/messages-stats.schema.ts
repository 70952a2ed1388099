import { z } from "zod";
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
