import { exactCount } from "@tally/shared/http";
import { z } from "zod";
import { freshnessFields } from "../freshness.js";
import { digits, parseIsoInstant, single } from "../params.js";
import { WINDOW_MS } from "./windows.js";

/** `GET /v1/stats/domains/top` query: the window kind, optionally its start (aligned), and how many. */
export const topDomainsQuery = z
  .object({
    window: single.pipe(z.enum(["minute", "hour"], { error: 'must be "minute" or "hour"' })),
    start: single
      .transform((text, ctx) => {
        const ms = parseIsoInstant(text);
        if (ms === undefined) ctx.addIssue({ code: "custom", message: "must be an ISO-8601 date-time such as 2026-11-23T14:53:00Z" });
        return ms ?? z.NEVER;
      })
      .optional(),
    limit: digits(100).pipe(z.number().min(1, { error: "must be between 1 and 100" })).default(10),
  })
  .superRefine((q, ctx) => {
    if (q.start !== undefined && q.start % WINDOW_MS[q.window] !== 0) {
      ctx.addIssue({ code: "custom", path: ["start"], message: `must be on a whole ${q.window}` });
    }
  });

/** The answer: the window and its busiest domains, most requests first, ties by name. */
export const topDomainsResponse = z.object({
  window: z.enum(["minute", "hour"]),
  start: z.iso.datetime(),
  end: z.iso.datetime(),
  items: z.array(z.object({ domain: z.string(), requests: exactCount })),
  ...freshnessFields,
});

/** The seed's shape for the last complete minute or hour. */
export const seedTopResponse = z.array(z.object({ Domain: z.string(), NumberOfRequests: exactCount }));
