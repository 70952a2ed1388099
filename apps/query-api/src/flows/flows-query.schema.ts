import { exactCount } from "@tally/shared/http";
import { z } from "zod";
import { freshnessFields } from "../freshness.js";
import { digits, pageParams, single } from "../params.js";
import { decodeCursor } from "./cursor.js";

/** `GET /v1/flows` query: an hour, and either a page number or a cursor from a previous answer. */
export const flowsQuery = z
  .object({
    hour: digits(),
    ...pageParams,
    cursor: single
      .transform((text, ctx) => {
        const key = decodeCursor(text);
        if (!key) ctx.addIssue({ code: "custom", message: "is not a cursor this API handed out" });
        return key ?? z.NEVER;
      })
      .optional(),
  })
  .superRefine((q, ctx) => {
    if (q.cursor && q.page !== undefined) ctx.addIssue({ code: "custom", path: ["cursor"], message: "cannot be combined with page" });
    if (q.cursor && q.cursor.hour !== q.hour) ctx.addIssue({ code: "custom", path: ["cursor"], message: "belongs to another hour" });
  });

/** The answer: one page of an hour's keys, and where the next one starts. */
export const flowsPageResponse = z.object({
  items: z.array(z.object({ src_app: z.string(), dest_app: z.string(), vpc_id: z.string(), hour: z.int().min(0), bytes_tx: exactCount, bytes_rx: exactCount })),
  total: z.int().min(0),
  page: z.int().min(1).optional().meta({ description: "absent when reading by cursor" }),
  size: z.int().min(1),
  nextCursor: z.string().nullable(),
  asOf: freshnessFields.asOf,
  failedJobs: freshnessFields.failedJobs,
  failedJobsInHour: z.boolean().meta({ description: "whether a failed flows job may hold flows of this hour: then these sums are short" }),
});
