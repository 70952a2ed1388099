import type { Database } from "@tally/shared/db";
import { ExactInteger, parseOrThrow, route, sendExactJson, validationFailed } from "@tally/shared/http";
import type { Router } from "express";
import type { Kysely } from "kysely";
import type { z } from "zod";
import { formatAmount } from "../amount.js";
import { freshness, watermarkOf } from "../freshness.js";
import { encodeMessagesCursor } from "./messages-cursor.js";
import { digestOf, messagesStatsQuery, type MessagesStatsQuery, type messagesStatsResponse, zoneOf } from "./messages-stats.schema.js";
import { messageStats, type PageStart } from "./messages.repository.js";
import { bucketStarts, MAX_BUCKETS } from "./zone-buckets.js";

/** The instants the answer's buckets start at: one bucket, [from, to), without a window. */
function startsOf(q: MessagesStatsQuery): number[] {
  const from = q.from.getTime();
  if (!q.window) return [from];
  const starts = bucketStarts(from, q.to.getTime(), q.window, zoneOf(q));
  if (!starts) throw validationFailed([{ path: "window", message: `splits [from, to) into more than ${MAX_BUCKETS} buckets: use a longer window or a shorter interval` }]);
  return starts;
}

/** Where the page starts: a cursor names its bucket by start, which is found among this query's. */
function pageStart(q: MessagesStatsQuery, starts: readonly number[]): PageStart {
  if (!q.cursor) return { offset: ((q.page ?? 1) - 1) * q.size };
  const index = starts.indexOf(q.cursor.bucket);
  if (index < 0) throw validationFailed([{ path: "cursor", message: "belongs to another query" }]);
  return { after: { customerId: q.cursor.customerId, type: q.cursor.type, bucket: index + 1 } };
}

export function messagesRoutes(router: Router, db: Kysely<Database>): void {
  route(router, "/v1/stats/messages", {
    get: async (req, res) => {
      const q = parseOrThrow(messagesStatsQuery, req.query);
      const starts = startsOf(q);
      const end = (bucket: number) => starts[bucket] ?? q.to.getTime();
      // One row more than asked tells whether a next page exists without another query.
      const [{ rows, total }, mark] = await Promise.all([messageStats(db, q, starts, pageStart(q, starts), q.size + 1), watermarkOf(db, "messages")]);
      const page = rows.slice(0, q.size);
      const last = page.at(-1);
      const body: z.input<typeof messagesStatsResponse> = {
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        ...(q.window && { window: q.window, tz: zoneOf(q) }),
        items: page.map((r) => ({
          customerId: Number(r.customer_id),
          type: r.type,
          ...(q.window && { start: new Date(starts[r.bucket - 1] ?? 0).toISOString(), end: new Date(end(r.bucket)).toISOString() }),
          count: new ExactInteger(r.count),
          totalAmount: formatAmount(r.total),
        })),
        total,
        ...(q.cursor ? {} : { page: q.page ?? 1 }),
        size: q.size,
        nextCursor:
          rows.length > q.size && last
            ? encodeMessagesCursor({ query: digestOf(q), customerId: Number(last.customer_id), type: last.type, bucket: starts[last.bucket - 1] ?? 0 })
            : null,
        ...freshness(mark, q.from, q.to),
      };
      sendExactJson(res, body);
    },
  });
}
