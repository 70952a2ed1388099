import type { Database } from "@tally/shared/db";
import { parseOrThrow, route, sendExactJson } from "@tally/shared/http";
import type { Router } from "express";
import type { Kysely } from "kysely";
import type { z } from "zod";
import { freshness, watermarkOf } from "../freshness.js";
import { topDomainsQuery, type seedTopResponse, type topDomainsResponse } from "./top-domains.schema.js";
import { topDomains } from "./top-domains.repository.js";
import { lastCompleteWindowStart, WINDOW_MS, type WindowKind } from "./windows.js";

const SEED_TOP = 10;

export function topDomainsRoutes(router: Router, db: Kysely<Database>, clock: () => number): void {
  route(router, "/v1/stats/domains/top", {
    get: async (req, res) => {
      const q = parseOrThrow(topDomainsQuery, req.query);
      const start = q.start ?? lastCompleteWindowStart(q.window, clock());
      const end = new Date(start + WINDOW_MS[q.window]);
      const [items, mark] = await Promise.all([topDomains(db, q.window, new Date(start), q.limit), watermarkOf(db, "counters")]);
      const body: z.input<typeof topDomainsResponse> = {
        window: q.window,
        start: new Date(start).toISOString(),
        end: end.toISOString(),
        items,
        ...freshness(mark, new Date(start), end),
      };
      sendExactJson(res, body);
    },
  });

  // The seed's shapes, at the paths its clients use: the top 10 of the last complete window.
  for (const kind of ["minute", "hour"] as const satisfies WindowKind[]) {
    route(router, [`/stats/${kind}s`, `/api/stats/${kind}s`], {
      get: async (_req, res) => {
        const items = await topDomains(db, kind, new Date(lastCompleteWindowStart(kind, clock())), SEED_TOP);
        const body: z.input<typeof seedTopResponse> = items.map((i) => ({ Domain: i.domain, NumberOfRequests: i.requests }));
        sendExactJson(res, body);
      },
    });
  }
}
