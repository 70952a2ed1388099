import type { Database } from "@tally/shared/db";
import { ExactInteger, parseOrThrow, route, sendExactJson } from "@tally/shared/http";
import type { Router } from "express";
import type { Kysely } from "kysely";
import { formatAmount } from "../amount.js";
import { freshness, watermarkOf } from "../freshness.js";
import type { z } from "zod";
import { messagesStatsQuery, type messagesStatsResponse } from "./messages-stats.schema.js";
import { messageStats } from "./messages.repository.js";

export function messagesRoutes(router: Router, db: Kysely<Database>): void {
  route(router, "/v1/stats/messages", {
    get: async (req, res) => {
      const q = parseOrThrow(messagesStatsQuery, req.query);
      const [{ rows, total }, mark] = await Promise.all([messageStats(db, q), watermarkOf(db, "messages")]);
      const body: z.input<typeof messagesStatsResponse> = {
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        items: rows.map((r) => ({
          customerId: Number(r.customer_id),
          type: r.type,
          count: new ExactInteger(r.count),
          totalAmount: formatAmount(r.total),
        })),
        total,
        page: q.page,
        size: q.size,
        ...freshness(mark, q.from, q.to),
      };
      sendExactJson(res, body);
    },
  });
}
